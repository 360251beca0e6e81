// The cluster graph of /redes/{id}: reports and the indicators they share. Progressive: the
// tables below work without JavaScript. Data comes from the page (#graph-data, JSON); the
// words shown here come translated from the page (data-* attributes of #graph).
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var source = document.getElementById("graph-data");
  if (!box || !source || typeof cytoscape === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var words = box.dataset;
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
    minZoom: 0.02,
    maxZoom: 4,
    style: [
      // Labels are drawn once they are big enough to read: zoom in on a large network and
      // they appear, without the cost of drawing thousands of unreadable ones.
      { selector: "node", style: { "label": "data(label)", "font-size": 9, "width": 12, "height": 12, "min-zoomed-font-size": large ? 7 : 0 } },
      { selector: "node[kind = 'report']", style: { "background-color": "#0b5d4b", "shape": "round-rectangle" } },
      { selector: "node[kind = 'indicator']", style: { "background-color": "#9b1c1c", "shape": "ellipse", "width": 16, "height": 16 } },
      { selector: "edge", style: { "width": 1, "line-color": "#9aa5a0" } },
      { selector: ".faded", style: { "opacity": 0.12 } },
      { selector: "node.picked", style: { "border-width": 3, "border-color": "#f2b600", "min-zoomed-font-size": 0, "z-index": 10 } },
      { selector: "edge.near", style: { "width": 2, "line-color": "#555" } }
    ]
  });
  var info = document.getElementById("graph-info");
  var status = document.getElementById("graph-status");

  function say(element, text) { if (element) { element.textContent = text; } }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, key) { return String(values[key]); });
  }

  // "1 link", "2 links": both forms come translated from the page; the language's own rule
  // (French says "0 lien" and "1 lien") picks one.
  var plural = new Intl.PluralRules(document.documentElement.lang || "es");
  function count(name, n) {
    var form = plural.select(n) === "one" ? "One" : "Other";
    return fill(words[name + form], { n: n });
  }

  function clear() {
    cy.batch(function () { cy.elements().removeClass("faded picked near"); });
    say(info, "");
  }

  // Pick nodes: them and their neighbours stay clear, the rest fades; the view moves to them.
  function pick(nodes) {
    var near = nodes.closedNeighborhood();
    cy.batch(function () {
      cy.elements().removeClass("picked near").addClass("faded");
      near.removeClass("faded");
      near.edges().addClass("near");
      nodes.addClass("picked");
    });
    if (large && near.nodes().length <= 80) {
      // In a large network a node's neighbours may sit anywhere on the rings: gather them
      // around it, so what it links can be seen (only these few nodes move).
      var centre = nodes[0].position();
      var side = 120 + 18 * near.nodes().length;
      near.nodes().layout({
        name: "concentric", animate: false, fit: false,
        boundingBox: { x1: centre.x - side / 2, y1: centre.y - side / 2, w: side, h: side },
        concentric: function (node) { return nodes.contains(node) ? 2 : 1; },
        levelWidth: function () { return 1; }
      }).run();
    }
    cy.fit(near, 60);
    if (nodes.length === 1) {
      var node = nodes[0];
      var kind = node.data("kind") === "report" ? words.report : words.indicator;
      say(info, kind + ": " + node.data("label") + " · " + count("links", node.degree()));
    } else {
      say(info, "");
    }
  }

  cy.on("tap", "node", function (event) { pick(event.target); });
  cy.on("tap", function (event) { if (event.target === cy) { clear(); } });

  var form = document.getElementById("graph-find");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = form.elements.q.value.trim().toLowerCase();
      if (!query) { clear(); say(status, ""); return; }
      var found = cy.nodes().filter(function (node) {
        return String(node.data("label")).toLowerCase().indexOf(query) !== -1;
      });
      if (found.length === 0) { clear(); say(status, words.none); return; }
      pick(found);
      say(status, count("found", found.length));
    });
  }
  window.amparoGraph = { nodes: cy.nodes().length, edges: cy.edges().length, ms: Math.round(performance.now() - started) };
  box.setAttribute("data-ready", "true");
})();
