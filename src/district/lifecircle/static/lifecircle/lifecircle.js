// The life-circle maps: the resident's isochrone ("access"), the planners' walking-time
// map of grid cells ("coverage") and the siting tool ("siting"). No tile layer: the
// district draws its own boundary and streets (see core/map.js).
(function () {
  "use strict";
  const el = document.getElementById("lc-map");
  if (!el) return;
  const d = el.dataset;
  const english = d.language === "en";
  const map = L.map(el, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL) · POI: Amap");
  map.setView([31.215, 121.41], 13);
  const control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  const canvas = L.canvas({ padding: 0.5 });
  const state = { map: map, layers: {}, ready: false };
  window.lifecircleMap = state;

  const getJSON = (url) =>
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then((r) => {
      if (!r.ok) throw new Error(url + " answered " + r.status);
      return r.json();
    });

  function text(lines) {
    const box = document.createElement("div");
    lines.filter(Boolean).forEach((line, i) => {
      const node = document.createElement(i === 0 ? "strong" : "div");
      node.textContent = line;
      box.appendChild(node);
    });
    return box;
  }

  function overlay(name, layer, visible) {
    if (state.layers[name]) {
      control.removeLayer(state.layers[name]);
      map.removeLayer(state.layers[name]);
    }
    state.layers[name] = layer;
    control.addOverlay(layer, name);
    if (visible) layer.addTo(map);
    return layer;
  }

  function base() {
    return Promise.all([getJSON(d.districtUrl), getJSON(d.networkUrl)]).then(([district, network]) => {
      const boundary = L.geoJSON(district, {
        style: { color: "#b03a2e", weight: 2.5, fill: false },
        interactive: false,
      });
      overlay(d.labelBoundary, boundary, true);
      map.fitBounds(boundary.getBounds(), { padding: [10, 10] });
      overlay(
        d.labelNetwork,
        L.geoJSON(network, { style: { color: "#34495e", weight: 1, opacity: 0.55 }, interactive: false }),
        true,
      );
    });
  }

  function fail(err) {
    const note = document.createElement("p");
    note.className = "map-error";
    note.setAttribute("role", "alert");
    note.textContent = String(err);
    el.appendChild(note);
  }

  function done() {
    state.ready = true;
    el.dataset.ready = "true";
  }

  // --- resident: isochrone and nearest facilities -----------------------------------------
  const BANDS = ["#08519c", "#4292c6", "#9ecae1"];

  function drawAccess() {
    const script = document.getElementById("access-data");
    if (!script) return;
    const data = JSON.parse(script.textContent);
    const group = L.featureGroup();
    data.isochrone
      .slice()
      .reverse()
      .forEach((band) => {
        const colour = BANDS[data.isochrone.indexOf(band)] || "#9ecae1";
        const label = band.minutes + " " + d.labelMinutes + (band.estimated ? " (" + d.labelEstimated + ")" : "");
        if (band.area) {
          L.geoJSON(band.area, {
            style: {
              color: colour,
              weight: band.estimated ? 1.5 : 0.5,
              dashArray: band.estimated ? "6 4" : null,
              fillColor: colour,
              fillOpacity: band.estimated ? 0.08 : 0.22,
            },
          })
            .bindTooltip(label, { sticky: true })
            .addTo(group);
        }
        if (band.lines && band.lines.coordinates.length) {
          L.geoJSON(band.lines, { style: { color: colour, weight: 3, opacity: 0.9 }, interactive: false }).addTo(group);
        }
      });
    data.categories.forEach((row) => {
      if (row.facility_lat === null) return;
      L.circleMarker([row.facility_lat, row.facility_lon], {
        radius: 6,
        color: "#fff",
        weight: 1.5,
        fillColor: row.within ? "#1a7f37" : "#b03a2e",
        fillOpacity: 0.95,
      })
        .bindPopup(() =>
          text([
            row.facility,
            english ? row.name_en : row.name,
            (row.estimated ? "≈ " : "") + row.walk_minutes + " " + d.labelMinutes + " · " + Math.round(row.distance_m) + " m",
          ]),
        )
        .addTo(group);
    });
    L.marker([data.lat, data.lon], { title: d.labelHere }).addTo(group);
    overlay(d.labelHere, group, true);
    // Bring the walking reach into view (the street data covers only the east).
    map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 16 });
    el.dataset.isochrone = "true";
    el.dataset.bands = String(data.isochrone.length);
  }

  function setupAccess() {
    const form = document.getElementById("place-form");
    map.on("click", (event) => {
      if (!form) return;
      form.querySelector("[name=lon]").value = event.latlng.lng.toFixed(6);
      form.querySelector("[name=lat]").value = event.latlng.lat.toFixed(6);
      form.querySelector("[name=q]").value = "";
      el.dataset.isochrone = "loading";
      const params = new URLSearchParams(new FormData(form));
      if (window.htmx) {
        htmx.ajax("GET", form.getAttribute("action") + "?" + params.toString(), {
          target: "#access-result",
          swap: "innerHTML",
        });
      } else {
        window.location.search = params.toString();
      }
    });
    if (form) {
      form.addEventListener("submit", () => {
        // A typed place replaces a clicked one.
        form.querySelector("[name=lon]").value = "";
        form.querySelector("[name=lat]").value = "";
      });
    }
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target && event.detail.target.id === "access-result") {
        if (state.layers[d.labelHere]) {
          control.removeLayer(state.layers[d.labelHere]);
          map.removeLayer(state.layers[d.labelHere]);
          delete state.layers[d.labelHere];
        }
        if (document.getElementById("access-data")) drawAccess();
        else el.dataset.isochrone = "none";
      }
    });
    drawAccess();
  }

  // --- planners: walking time per grid cell -------------------------------------------------
  const MINUTES = [
    [5, "#1a9850"],
    [10, "#91cf60"],
    [15, "#fee08b"],
    [20, "#fc8d59"],
    [Infinity, "#d73027"],
  ];

  function minutesColour(minutes) {
    if (minutes === null || minutes === undefined) return "#cccccc";
    return MINUTES.find(([limit]) => minutes <= limit)[1];
  }

  function setupCoverage() {
    if (!d.category) return Promise.resolve();
    return Promise.all([getJSON(d.cellsUrl), getJSON(d.facilitiesUrl)]).then(([cells, facilities]) => {
      const layer = L.geoJSON(cells, {
        style: (f) => {
          const p = f.properties;
          return {
            color: p.within === false ? "#b03a2e" : "#7f8c8d",
            weight: p.within === false ? 1.2 : 0.4,
            dashArray: p.estimated ? "3 3" : null,
            fillColor: minutesColour(p.minutes),
            fillOpacity: p.estimated ? 0.25 : 0.7,
          };
        },
        onEachFeature: (f, l) => {
          const p = f.properties;
          const time =
            p.minutes === null || p.minutes === undefined
              ? d.labelNoFacility
              : (p.estimated ? "≈ " : "") + p.minutes + " " + d.labelMinutes + " · " + Math.round(p.distance_m) + " m" +
                (p.estimated ? " (" + d.labelEstimated + ")" : "");
          l.bindTooltip(text([p.code, time, p.facility]), { sticky: true });
        },
      });
      overlay(d.labelCells, layer, true);
      layer.bringToBack();
      overlay(
        d.labelFacilities + " (" + facilities.features.length + ")",
        L.geoJSON(facilities, {
          pointToLayer: (f, latlng) =>
            L.circleMarker(latlng, { renderer: canvas, radius: 3.5, color: "#222", weight: 1, fillColor: "#fff", fillOpacity: 0.9 }),
          onEachFeature: (f, l) => l.bindPopup(() => text([f.properties.name, f.properties.address])),
        }),
        true,
      );
      el.dataset.cells = String(cells.features.filter((f) => f.properties.minutes !== undefined).length);
    });
  }

  // --- planners: siting and what-if ---------------------------------------------------------
  function siteMarkers(json, kind, label) {
    const script = document.getElementById(json);
    if (!script) return;
    const data = JSON.parse(script.textContent);
    if (!data || !data.sites) return;
    const group = L.layerGroup();
    data.sites.forEach((s) => {
      const style =
        kind === "exact"
          ? { radius: 7, color: "#fff", weight: 2, fillColor: "#6c3483", fillOpacity: 1 }
          : { radius: 12, color: "#e67e22", weight: 3, fill: false };
      L.circleMarker([s.lat, s.lon], style)
        .bindTooltip(label + " " + s.rank, { permanent: kind === "exact", direction: "right" })
        .addTo(group);
    });
    overlay(label, group, true);
  }

  function setupSiting() {
    const form = document.getElementById("whatif-form");
    const field = (name) => (form ? form.querySelector("[name=" + name + "]") : null);
    let facilitiesLayerName = null;
    function loadFacilities(category) {
      if (!category) return Promise.resolve();
      return getJSON(d.facilitiesUrl + "?category=" + encodeURIComponent(category)).then((data) => {
        if (facilitiesLayerName && state.layers[facilitiesLayerName]) {
          control.removeLayer(state.layers[facilitiesLayerName]);
          map.removeLayer(state.layers[facilitiesLayerName]);
        }
        facilitiesLayerName = d.labelFacilities + " (" + data.features.length + ")";
        overlay(
          facilitiesLayerName,
          L.geoJSON(data, {
            pointToLayer: (f, latlng) =>
              L.circleMarker(latlng, { radius: 4.5, color: "#222", weight: 1, fillColor: "#fff", fillOpacity: 0.9 }),
            onEachFeature: (f, l) => {
              l.bindTooltip(f.properties.name + " (#" + f.properties.id + ")");
              l.on("click", (event) => {
                L.DomEvent.stopPropagation(event);
                if (!form) return;
                field("action").value = "remove";
                field("facility").value = f.properties.id;
              });
            },
          }),
          true,
        );
      });
    }
    map.on("click", (event) => {
      if (!form) return;
      field("action").value = "add";
      field("lon").value = event.latlng.lng.toFixed(6);
      field("lat").value = event.latlng.lat.toFixed(6);
    });
    if (field("category")) {
      field("category").addEventListener("change", (event) => loadFacilities(event.target.value));
      if (!document.getElementById("exact-data")) field("category").value = field("category").value || d.category;
    }
    siteMarkers("greedy-data", "greedy", d.labelGreedy);
    siteMarkers("exact-data", "exact", d.labelExact);
    return loadFacilities(d.category);
  }

  const modes = { access: () => setupAccess(), coverage: setupCoverage, siting: setupSiting };
  base()
    .then(() => (modes[d.mode] || (() => null))())
    .then(done)
    .catch(fail);
})();
