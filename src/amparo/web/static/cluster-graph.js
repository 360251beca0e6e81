// The cluster graph of /redes/{id}: reports and the indicators they share. Progressive: the
// tables above work without JavaScript. Data comes from the page (#graph-data, JSON).
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var source = document.getElementById("graph-data");
  if (!box || !source || typeof cytoscape === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var elements = [];
  data.reports.forEach(function (r) {
    elements.push({ data: { id: "r" + r.id, label: r.label, kind: "report" } });
  });
  data.indicators.forEach(function (i) {
    elements.push({ data: { id: "i" + i.id, label: i.label, kind: "indicator" } });
  });
  data.edges.forEach(function (e, n) {
    elements.push({ data: { id: "e" + n, source: "r" + e[0], target: "i" + e[1] } });
  });
  var large = elements.length > 600;
  var started = performance.now();
  var cy = cytoscape({
    container: box,
    elements: elements,
    // Force-directed for small networks; a fast concentric layout (indicators shared most in
    // the middle) once there are thousands of nodes, so the page stays usable.
    layout: large
      ? { name: "concentric", concentric: function (node) { return node.degree(); }, levelWidth: function () { return 2; }, animate: false }
      : { name: "cose", animate: false, numIter: 600 },
    textureOnViewport: large,
    hideEdgesOnViewport: large,
    pixelRatio: 1,
    minZoom: 0.05,
    maxZoom: 4,
    style: [
      { selector: "node", style: { "label": large ? "" : "data(label)", "font-size": 9, "width": 12, "height": 12 } },
      { selector: "node[kind = 'report']", style: { "background-color": "#0b5d4b", "shape": "round-rectangle" } },
      { selector: "node[kind = 'indicator']", style: { "background-color": "#9b1c1c", "shape": "ellipse", "width": 16, "height": 16 } },
      { selector: "edge", style: { "width": 1, "line-color": "#9aa5a0" } }
    ]
  });
  window.amparoGraph = { nodes: cy.nodes().length, edges: cy.edges().length, ms: Math.round(performance.now() - started) };
  box.setAttribute("data-ready", "true");
})();
