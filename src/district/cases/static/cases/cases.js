// The cases screens: the report map (click to place a pin), category attributes and
// suggestions on the report form, the case map and the hotspot map. No tile layer: the
// district draws its own boundary and grid (see core/map.js).
(function () {
  "use strict";

  const getJSON = (url) =>
    fetch(url, { headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) throw new Error(url + " answered " + r.status);
      return r.json();
    });

  function baseMap(el, then) {
    const map = L.map(el, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL)");
    map.setView([31.215, 121.40], 13);
    getJSON(el.dataset.districtUrl || "/api/geo/district")
      .then((data) => {
        const boundary = L.geoJSON(data, {
          style: { color: "#b03a2e", weight: 2, fillOpacity: 0.03 },
          interactive: false,
        }).addTo(map);
        map.fitBounds(boundary.getBounds(), { padding: [6, 6] });
        if (then) then(map);
        el.dataset.ready = "true";
      })
      .catch((err) => {
        const note = document.createElement("p");
        note.className = "map-error";
        note.setAttribute("role", "alert");
        note.textContent = String(err);
        el.appendChild(note);
      });
    return map;
  }

  // --- the report form ---------------------------------------------------------------
  const reportEl = document.getElementById("report-map");
  if (reportEl) {
    const form = document.getElementById("report-form");
    const lon = form.querySelector("input[name=lon]");
    const lat = form.querySelector("input[name=lat]");
    const status = document.getElementById("pin-status");
    let marker = null;
    const map = baseMap(reportEl);
    function setPin(x, y) {
      lon.value = x.toFixed(6);
      lat.value = y.toFixed(6);
      if (marker) marker.setLatLng([y, x]);
      else marker = L.marker([y, x]).addTo(map);
      status.textContent = status.dataset.set + " " + lon.value + ", " + lat.value;
      suggest();
    }
    map.on("click", (e) => setPin(e.latlng.lng, e.latlng.lat));
    if (lon.value && lat.value) setPin(parseFloat(lon.value), parseFloat(lat.value));
    window.casesReport = { map: map, setPin: setPin };

    const category = form.querySelector("select[name=category]");
    function showAttributes() {
      form.querySelectorAll("fieldset.attributes").forEach((box) => {
        box.hidden = box.dataset.category !== category.value;
      });
    }
    category.addEventListener("change", () => {
      showAttributes();
      suggest();
    });
    showAttributes();

    const box = document.getElementById("suggestions");
    const description = form.querySelector("textarea[name=description]");
    let timer = null;
    function render(data) {
      box.replaceChildren();
      if (data.categories && data.categories.length) {
        const p = document.createElement("p");
        p.textContent = box.dataset.labelCategories + " ";
        data.categories.forEach((c) => {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "outline suggestion";
          b.dataset.code = c.code;
          b.textContent = c.name + (c.department ? " → " + c.department : "");
          b.addEventListener("click", () => {
            category.value = c.code;
            showAttributes();
          });
          p.appendChild(b);
        });
        box.appendChild(p);
      }
      if (data.duplicates && data.duplicates.length) {
        const p = document.createElement("p");
        p.textContent = box.dataset.labelDuplicates;
        const ul = document.createElement("ul");
        data.duplicates.forEach((d) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = "/cases/track/" + d.number + "/";
          a.textContent = d.number;
          li.appendChild(a);
          const why = {
            near: box.dataset.labelNear,
            near_and_similar: box.dataset.labelNearAndSimilar,
            similar_text: box.dataset.labelSimilarText,
          }[d.basis] || "";
          const where = d.distance_m === null ? box.dataset.labelNoLocation : Math.round(d.distance_m) + " m";
          li.appendChild(document.createTextNode(" " + d.title + " (" + [why, where].filter(Boolean).join(" · ") + ")"));
          li.dataset.basis = d.basis;
          ul.appendChild(li);
        });
        p.appendChild(ul);
        box.appendChild(p);
      }
    }
    function suggest() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const text = description.value.trim();
        if (!text) return;
        const params = new URLSearchParams({ text: text, category: category.value || "" });
        if (lon.value && lat.value) {
          params.set("lon", lon.value);
          params.set("lat", lat.value);
        }
        getJSON(box.dataset.url + "?" + params.toString())
          .then(render)
          .catch(() => box.replaceChildren());
      }, 500);
    }
    description.addEventListener("input", suggest);
  }

  // --- the case page --------------------------------------------------------------------
  const caseEl = document.getElementById("case-map");
  if (caseEl) {
    const data = JSON.parse(caseEl.dataset.case);
    baseMap(caseEl, (map) => {
      if (data.cell) {
        L.geoJSON(data.cell, { style: { color: "#1f5f8b", weight: 1.5, fillOpacity: 0.08 } })
          .bindTooltip(data.cell_code)
          .addTo(map);
      }
      if (data.point) {
        L.marker([data.point[1], data.point[0]]).bindTooltip(data.number).addTo(map);
        map.setView([data.point[1], data.point[0]], 16);
      }
    });
  }

  // --- the hotspot page -----------------------------------------------------------------
  const hotEl = document.getElementById("hotspot-map");
  if (hotEl) {
    const data = JSON.parse(hotEl.dataset.hotspots);
    baseMap(hotEl, (map) => {
      const layer = L.geoJSON(data, {
        style: (f) => ({
          color: f.properties.flag ? "#b03a2e" : "#1f5f8b",
          weight: f.properties.flag ? 2 : 0.5,
          fillColor: f.properties.flag ? "#b03a2e" : "#1f5f8b",
          fillOpacity: Math.min(0.75, 0.1 + f.properties.observed / 15),
        }),
        onEachFeature: (f, l) => {
          const box = document.createElement("div");
          const title = document.createElement("strong");
          title.textContent = f.properties.code;
          box.appendChild(title);
          f.properties.lines.forEach((line) => {
            const div = document.createElement("div");
            div.textContent = line;
            box.appendChild(div);
          });
          l.bindPopup(box);
        },
      }).addTo(map);
      window.casesHotspots = { map: map, layer: layer };
    });
  }
})();
