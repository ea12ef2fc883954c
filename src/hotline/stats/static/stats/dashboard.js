// The leaders' dashboard (stats): ECharts trend charts and a Leaflet map of tickets by area.
// Data comes from the page's json_script tag #dash-data; no inline script (the CSP forbids it).
// Without JavaScript the page keeps its SVG bars and tables.
(function () {
  "use strict";

  function trends(data) {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-trend]").forEach(function (el) {
      var t = data.trends[Number(el.dataset.trend)];
      if (!t) return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        // Rich-text tooltips are drawn on the canvas: no HTML with inline styles (CSP).
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { top: 0, data: [data.labels.registered, data.labels.replied] },
        grid: { left: 40, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: t.keys },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: data.labels.registered, type: "bar", data: t.registered },
          { name: data.labels.replied, type: "line", data: t.replied },
        ],
      });
      el.classList.add("charted");
      window.addEventListener("resize", function () {
        chart.resize();
      });
    });
  }

  function map(data) {
    var el = document.getElementById("dash-map");
    if (!el || typeof L === "undefined") return;
    var areas = data.map.areas;
    var m = L.map(el, { attributionControl: !!data.map.tiles, zoomSnap: 0.25 });
    if (data.map.tiles) {
      L.tileLayer(data.map.tiles, { attribution: data.map.attribution, maxZoom: 18 }).addTo(m);
    }
    var top = areas.reduce(function (n, a) {
      return Math.max(n, a.count);
    }, 1);
    var points = [];
    areas.forEach(function (a) {
      var label = document.createElement("span");
      label.textContent = a.name + " " + a.count;
      L.circleMarker([a.lat, a.lon], {
        radius: 5 + 20 * Math.sqrt(a.count / top),
        color: "#b3261e",
        weight: 1,
        fillColor: "#e46a5a",
        fillOpacity: 0.6,
        className: "dash-area",
      })
        .bindTooltip(label)
        .addTo(m);
      points.push([a.lat, a.lon]);
    });
    if (points.length > 1) {
      m.fitBounds(points, { padding: [24, 24] });
    } else if (points.length === 1) {
      m.setView(points[0], 13);
    } else {
      m.setView([0, 0], 1);
    }
    el.classList.add("mapped");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("dash-data");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    document.documentElement.classList.add("dash-js");
    trends(data);
    map(data);
  });
})();
