// The optional place of a suggestion: click the map to set it, "clear" to remove it.
// The district is drawn from the platform's own GeoJSON (no tile layer, as on the home map).
(function () {
  "use strict";
  const el = document.getElementById("place-map");
  if (!el) return;
  const lon = document.getElementById("id_lon");
  const lat = document.getElementById("id_lat");
  const label = document.getElementById("place-label");
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  let marker = null;

  function show() {
    if (lon.value && lat.value) {
      const latlng = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng).addTo(map);
      label.textContent = parseFloat(lon.value).toFixed(5) + ", " + parseFloat(lat.value).toFixed(5);
    } else {
      if (marker) map.removeLayer(marker);
      marker = null;
      label.textContent = el.dataset.none;
    }
  }

  fetch(el.dataset.districtUrl, { headers: { Accept: "application/geo+json" } })
    .then((r) => r.json())
    .then((data) => {
      const layer = L.geoJSON(data, {
        style: { color: "#b03a2e", weight: 2, fillOpacity: 0.04 },
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      el.dataset.ready = "true";
      show();
    });
  map.on("click", (e) => {
    lon.value = e.latlng.lng.toFixed(6);
    lat.value = e.latlng.lat.toFixed(6);
    show();
  });
  document.getElementById("place-clear").addEventListener("click", () => {
    lon.value = "";
    lat.value = "";
    show();
  });
})();
