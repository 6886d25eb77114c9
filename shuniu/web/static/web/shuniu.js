/* shuniu pages: ECharts charts built from JSON in the page, the form pickers, confirmations, and the
   sizes and colours the templates give as data-* attributes.
   No outside host is called; ECharts and htmx are served from /static/vendor/. The Content Security
   Policy allows no inline script, handler or style attribute: what a page needs of them is here. */
(function () {
  "use strict";

  var lang = (document.documentElement.lang || "zh-hans").indexOf("en") === 0 ? "EN" : "ZH";
  var font = getComputedStyle(document.body).fontFamily;
  var charts = [];

  function go(url) { if (url) { window.location.href = url; } }

  function base() {
    return { textStyle: { fontFamily: font }, animationDuration: 400 };
  }

  // Tooltips drawn on the canvas: ECharts' HTML tooltips are markup with style="" attributes, which
  // the Content Security Policy refuses.
  function tip(options) {
    return Object.assign({ renderMode: "richText" }, options);
  }

  var builders = {
    // Coverage rates over time (monthly snapshots, then today).
    trend: function (d) {
      return Object.assign(base(), {
        tooltip: tip({ trigger: "axis", valueFormatter: function (v) { return v + "%"; } }),
        legend: { top: 0, itemGap: 24 },
        grid: { left: 8, right: 64, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "time", axisLine: { lineStyle: { color: "#bbb" } }, splitLine: { show: false },
                 axisLabel: { hideOverlap: true, formatter: "{yyyy}-{MM}" } },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" },
                 splitLine: { lineStyle: { color: "#eee" } } },
        series: d.series.map(function (s, i) {
          return { name: s.name, type: "line", symbolSize: 7, itemStyle: { color: s.color }, lineStyle: { width: 3 },
                   data: s.data.map(function (v, k) { return [d.dates[k], v]; }),
                   areaStyle: i === 0 ? { opacity: 0.08 } : undefined,
                   endLabel: { show: true, fontWeight: "bold", color: s.color, offset: [4, i === 0 ? 8 : -8],
                               formatter: function (p) { return p.value[1] + "%"; } } };
        })
      });
    },
    // The five coverage statuses of the population.
    donut: function (d) {
      return Object.assign(base(), {
        tooltip: tip({ trigger: "item", formatter: "{b}：{c}（{d}%）" }),
        series: [{ type: "pie", radius: ["52%", "82%"], avoidLabelOverlap: true, label: { show: false },
                   itemStyle: { borderColor: "#fff", borderWidth: 2 },
                   data: d.series.map(function (s) { return { name: s.name, value: s.value, url: s.url,
                                                              itemStyle: { color: s.color } }; }) }]
      });
    },
    // One horizontal bar per category, a segment per status; a click opens the orgs behind it.
    stack: function (d) {
      return Object.assign(base(), {
        tooltip: tip({ trigger: "axis", axisPointer: { type: "shadow" } }),
        legend: { top: 0, itemWidth: 12, itemHeight: 12, textStyle: { fontSize: 12 } },
        grid: { left: 8, right: 16, top: 52, bottom: 4, containLabel: true },
        xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eee" } } },
        yAxis: { type: "category", data: d.categories, inverse: true,
                 axisLabel: { width: 110, overflow: "truncate" }, axisTick: { show: false } },
        series: d.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "all", data: s.data, barMaxWidth: 22,
                   itemStyle: { color: s.color }, emphasis: { focus: "series" } };
        })
      });
    },
    // Both coverage rates per sub-region; a click opens that region's page.
    rates: function (d, el) {
      var tight = d.categories.length * 64 > el.clientWidth;
      return Object.assign(base(), {
        tooltip: tip({ trigger: "axis", axisPointer: { type: "shadow" },
                       valueFormatter: function (v) { return v + "%"; } }),
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.categories,
                 axisLabel: { interval: 0, rotate: tight ? 40 : 0, fontSize: 12 } },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" },
                 splitLine: { lineStyle: { color: "#eee" } } },
        series: d.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.data, barMaxWidth: 26, itemStyle: { color: s.color } };
        })
      });
    }
  };

  function clickTarget(d, p) {
    if (d.kind === "donut") { return p.data && p.data.url; }
    if (d.kind === "stack") { return d.urls[p.dataIndex] && d.urls[p.dataIndex][p.seriesIndex]; }
    if (d.kind === "rates") { return d.urls[p.dataIndex]; }
    return null;
  }

  // Sizes and colours computed by the server, set through the CSSOM (which the CSP allows, unlike
  // style="" attributes): a swatch's colour, a meter's fill, a rate bar, a chart's number of bars.
  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) { fn(root); }
    root.querySelectorAll(selector).forEach(fn);
  }

  function applyStyles(root) {
    each(root, "[data-swatch]", function (el) { el.style.background = el.dataset.swatch; });
    each(root, "[data-fill]", function (el) { el.style.width = el.dataset.fill + "%"; });
    each(root, "[data-p]", function (el) { el.style.setProperty("--p", el.dataset.p); });
    each(root, "[data-bars]", function (el) { el.style.setProperty("--bars", el.dataset.bars); });
  }

  function initCharts(root) {
    applyStyles(root);
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.ready) { return; }
      var src = document.getElementById(el.dataset.chart);
      if (!src) { return; }
      var d = JSON.parse(src.textContent);
      var chart = window.echarts.init(el, null, { locale: lang, renderer: "canvas" });
      chart.setOption(builders[d.kind](d, el));
      chart.on("click", function (p) { go(clickTarget(d, p)); });
      el.dataset.ready = "1";
      charts.push(chart);
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 120);
  });

  // ---- pickers: a search box filled by htmx from /pick/<kind>/, the chosen id in a hidden input ----
  function choose(option) {
    var picker = option.closest(".picker");
    picker.querySelector("input[type=hidden]").value = option.dataset.pickValue;
    picker.querySelector(".picker-q").value = option.dataset.pickLabel;
    picker.querySelector(".picker-menu").innerHTML = "";
    picker.classList.add("chosen");
    // Whoever listens for the choice (the meeting form reloads its roster) hears a change.
    picker.querySelector("input[type=hidden]").dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", function (e) {
    var option = e.target.closest("[data-pick-value]");
    if (option) { e.preventDefault(); choose(option); return; }
    document.querySelectorAll(".picker-menu").forEach(function (menu) {
      if (!menu.closest(".picker").contains(e.target)) { menu.innerHTML = ""; }
    });
    // The phone's menu (a <details>, usable without script) closes on a click elsewhere.
    document.querySelectorAll("details.phonemenu[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) { menu.open = false; }
    });
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    document.querySelectorAll("details.phonemenu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // Filter forms leave out empty fields, so the address (pushed to the history) stays readable.
  document.body.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt;
    if (!form.classList || !form.classList.contains("filters")) { return; }
    var data = e.detail.formData;
    Array.from(new Set(data.keys())).forEach(function (key) {
      if (data.getAll(key).every(function (v) { return v === ""; })) { data.delete(key); }
    });
  });

  // A filter the server refuses (400) comes back with its reasons in place of the results: show
  // them (htmx does not swap an error response by default).
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var form = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (e.detail.xhr.status === 400 && form && form.classList && form.classList.contains("filters")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // A search still waiting (typed just before the choice) must not reopen the list once chosen.
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var picker = e.target.closest && e.target.closest(".picker");
    if (picker && picker.classList.contains("chosen")) { e.preventDefault(); }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var picker = e.target.closest && e.target.closest(".picker");
    if (picker && picker.classList.contains("chosen")) { e.detail.shouldSwap = false; }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("picker-q") && e.target.closest(".chosen")) {
      e.target.select();  // typing replaces the choice
    }
  });

  document.addEventListener("input", function (e) {
    if (e.target.classList && e.target.classList.contains("picker-q")) {
      var picker = e.target.closest(".picker");
      picker.querySelector("input[type=hidden]").value = "";
      picker.classList.remove("chosen");
    }
  });

  document.addEventListener("keydown", function (e) {
    var box = e.target.closest && e.target.closest(".picker");
    if (!box) { return; }
    var options = Array.prototype.slice.call(box.querySelectorAll("[data-pick-value]"));
    var at = options.indexOf(document.activeElement);
    if (e.key === "Enter") {
      // Enter chooses (the highlighted or the first match) instead of submitting the form.
      if (options.length) { e.preventDefault(); choose(at >= 0 ? options[at] : options[0]); }
      else if (e.target.classList.contains("picker-q")) { e.preventDefault(); }
    } else if (e.key === "ArrowDown" && options.length) {
      e.preventDefault(); options[Math.min(at + 1, options.length - 1)].focus();
    } else if (e.key === "ArrowUp" && options.length) {
      e.preventDefault();
      if (at <= 0) { box.querySelector(".picker-q").focus(); } else { options[at - 1].focus(); }
    } else if (e.key === "Escape") {
      box.querySelector(".picker-menu").innerHTML = "";
    }
  });

  // A button with data-print prints the page (the letter's print styles keep only the letter).
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
  });

  // A form with data-confirm asks before it is sent (revoking a token, rolling an import back).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) { e.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.body.addEventListener("htmx:afterSettle", function (e) { initCharts(e.target); });
  if (document.readyState !== "loading") { initCharts(document); }
})();
