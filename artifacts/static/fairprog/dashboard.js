/* Draws the charts of the staff dashboard and of /numbers/ with Chart.js, each from the JSON
   (json_script) named by its canvas. The same numbers are in a table under every chart, so
   the page says everything without this script. */
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var Chart = window.Chart;
  var styles = getComputedStyle(document.documentElement);

  function cssVar(names, fallback) {
    for (var i = 0; i < names.length; i++) {
      var value = styles.getPropertyValue(names[i]).trim();
      if (value) {
        return value;
      }
    }
    return fallback;
  }

  // The admin's variables when inside it (its dark theme included), else the public site's.
  var ink = cssVar(["--body-fg", "--ink"], "#1b1f24");
  var quiet = cssVar(["--body-quiet-color", "--muted"], "#4a5562");
  var hairline = cssVar(["--hairline-color", "--line"], "#d5dbe1");
  Chart.defaults.color = quiet;
  Chart.defaults.borderColor = hairline;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;

  var dollars = new Intl.NumberFormat("en-US", {
    style: "currency", currency: "USD", maximumFractionDigits: 0
  });
  var shortDollars = new Intl.NumberFormat("en-US", {
    style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1
  });
  var whole = new Intl.NumberFormat("en-US");

  // A long label on two lines of at most ``room`` characters, cut short after that.
  function wrap(text, room) {
    if (text.length <= room) {
      return text;
    }
    var lines = [""];
    text.split(" ").forEach(function (word) {
      var last = lines[lines.length - 1];
      if (last && (last + " " + word).length > room) {
        lines.push(word);
      } else {
        lines[lines.length - 1] = last ? last + " " + word : word;
      }
    });
    var shown = lines.slice(0, 2).map(function (line) {
      return line.length > room ? line.slice(0, room - 1) + "\u2026" : line;
    });
    if (lines.length > 2 && shown[1].slice(-1) !== "\u2026") {
      shown[1] = shown[1].slice(0, room - 1) + "\u2026";
    }
    return shown;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    // Set here, not in a style attribute, which the Content-Security-Policy refuses.
    var box = canvas.parentElement;
    if (box && box.hasAttribute("data-height")) {
      box.style.height = box.getAttribute("data-height") + "px";
    }
    var valueAxis = spec.horizontal ? "x" : "y";
    var categoryAxis = spec.horizontal ? "y" : "x";
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      stacked: spec.stacked,
      title: { display: true, text: spec.axis, color: ink },
      ticks: {
        precision: 0,
        callback: function (value) {
          return spec.money ? shortDollars.format(value) : whole.format(value);
        }
      }
    };
    scales[categoryAxis] = {
      stacked: spec.stacked,
      grid: { display: false },
      ticks: {
        color: ink,
        // Every bar of a horizontal chart keeps its label: the chart is as tall as they need.
        autoSkip: !spec.horizontal,
        font: { lineHeight: 1.1 },
        maxRotation: 60,
        callback: function (value) {
          var label = this.getLabelForValue(value);
          if (spec.horizontal && typeof label === "string") {
            // Long names (institutions) would squeeze the bars on a phone: at most about
            // half the width for them, on two lines (the table has them in full).
            return wrap(label, Math.max(12, Math.floor(this.chart.width / 15.5)));
          }
          return label;
        }
      }
    };
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: dataset.colour,
            borderColor: dataset.colour,
            borderWidth: 0,
            maxBarThickness: 44
          };
        })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: {
            display: spec.datasets.length > 1,
            position: "bottom",
            labels: { color: ink, boxWidth: 14, boxHeight: 14 }
          },
          tooltip: {
            callbacks: {
              title: function (items) {
                var label = items.length ? items[0].label : "";
                return Array.isArray(label) ? label.join(" \u00b7 ") : label;
              },
              label: function (item) {
                var value = spec.horizontal ? item.parsed.x : item.parsed.y;
                return item.dataset.label + ": " +
                  (spec.money ? dollars.format(value) : whole.format(value));
              }
            }
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
