// The district map: boundary, grid cells, street network and facility layers from the
// GeoJSON endpoints, with no tile layer (the platform draws its own geography).
(function () {
  "use strict";
  const el = document.getElementById("map");
  if (!el) return;
  const d = el.dataset;
  const english = d.language === "en";
  const map = L.map(el, { zoomSnap: 0.25, preferCanvas: false, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL) · POI: Amap");
  const control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  const layers = {};
  window.districtMap = { map: map, layers: layers, ready: false };
  const canvas = L.canvas({ padding: 0.5 });

  const getJSON = (url) =>
    fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then((r) => {
      if (!r.ok) throw new Error(url + " answered " + r.status);
      return r.json();
    });

  function popup(lines) {
    const box = document.createElement("div");
    lines.filter(Boolean).forEach((text, i) => {
      const line = document.createElement(i === 0 ? "strong" : "div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function add(name, layer, visible) {
    layers[name] = layer;
    control.addOverlay(layer, name);
    if (visible) layer.addTo(map);
  }

  function addBoundary(data) {
    const layer = L.geoJSON(data, {
      style: { color: "#b03a2e", weight: 3, fill: true, fillOpacity: 0.03 },
      interactive: false,
    });
    add(d.labelBoundary, layer, true);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
  }

  function addGrid(data) {
    const layer = L.geoJSON(data, {
      style: { color: "#7f8c8d", weight: 0.5, fillOpacity: 0 },
      onEachFeature: (f, l) => l.bindTooltip(f.properties.code, { sticky: true }),
    });
    add(d.labelGrid, layer, true);
  }

  function addNetwork(data) {
    const layer = L.geoJSON(data, {
      style: { color: "#34495e", weight: 1.2, opacity: 0.7 },
      onEachFeature: (f, l) => {
        if (f.properties.name) l.bindTooltip(f.properties.name, { sticky: true });
      },
    });
    add(d.labelNetwork, layer, true);
  }

  function addFacilities(categories, data) {
    const byCategory = {};
    data.features.forEach((f) => {
      (byCategory[f.properties.category] = byCategory[f.properties.category] || []).push(f);
    });
    categories.forEach((c) => {
      const features = byCategory[c.code];
      if (!features) return;
      const layer = L.geoJSON(
        { type: "FeatureCollection", features: features },
        {
          pointToLayer: (f, latlng) =>
            L.circleMarker(latlng, {
              renderer: canvas,
              radius: 4,
              color: c.colour,
              weight: 1,
              fillColor: c.colour,
              fillOpacity: f.properties.in_district ? 0.85 : 0.3,
            }),
          onEachFeature: (f, l) =>
            l.bindPopup(() =>
              popup([f.properties.name, english ? c.name_en : c.name, f.properties.address]),
            ),
        },
      );
      const label = (english ? c.name_en : c.name) + " (" + features.length + ")";
      add(label, layer, c.code !== "bus_stop");
    });
  }

  // Fetch in parallel, add in a fixed order so the layer list reads the same every time.
  Promise.all([
    getJSON(d.districtUrl),
    getJSON(d.gridUrl),
    getJSON(d.networkUrl),
    getJSON(d.categoriesUrl),
    getJSON(d.facilitiesUrl),
  ])
    .then(([district, grid, network, categories, facilities]) => {
      addBoundary(district);
      addGrid(grid);
      addNetwork(network);
      addFacilities(categories, facilities);
      window.districtMap.ready = true;
      el.dataset.ready = "true";
    })
    .catch((err) => {
      const note = document.createElement("p");
      note.className = "map-error";
      note.setAttribute("role", "alert");
      note.textContent = String(err);
      el.appendChild(note);
    });
})();
