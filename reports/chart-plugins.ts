// The chart plugin that draws marked moments (edits, completions, rollbacks, faults) as labelled
// vertical lines. It must run identically in Node (PNG) and in the browser (report.html), so its
// single definition is plain browser JavaScript in a string: the page inlines it, Node evaluates it
// once with `vm`. Keeping it a string also keeps it safe from build-time instrumentation (coverage,
// mutation testing) that would make `Function#toString` output unusable in a browser.
import vm from 'node:vm';
import type { ChartType, Plugin } from 'chart.js';

export const MARKER_PLUGIN_ID = 'rollsimMarkers';

/** One vertical line, at `x` in the units of the chart's x scale (minutes here). */
export interface ChartMarker {
  readonly x: number;
  readonly label: string;
  readonly color: string;
  /** Line dash pattern in pixels; empty for a solid line. */
  readonly dash: readonly number[];
  /** A band instead of a line: shaded from `x` to `toX` in `fill`, labelled at its start. */
  readonly toX?: number;
  readonly fill?: string;
  /** Labels of higher priority get their row first when the rows run out (edit outcomes over faults). */
  readonly priority?: number;
}

export interface MarkerPluginOptions {
  readonly markers: readonly ChartMarker[];
}

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the parameter must match chart.js's declaration
  interface PluginOptionsByType<TType extends ChartType> {
    rollsimMarkers?: MarkerPluginOptions;
  }
}

// Labels sit in rows at the top of the plot (at most four); a label that would overlap one already in a
// row moves to the next row, and a label that would run off the right edge is drawn left of its line.
// Labels are placed by priority, then in time order, so when the rows run out a fault's label gives way
// rather than an edit's outcome.
export const MARKER_PLUGIN_SOURCE = `({
  id: ${JSON.stringify(MARKER_PLUGIN_ID)},
  // spans[i] = { left, width, priority } in pixels; returns each label's row, or -1 where none is free.
  layoutRows: function (spans, maxRows) {
    var order = [];
    for (var i = 0; i < spans.length; i++) order.push(i);
    order.sort(function (a, b) {
      return (spans[b].priority || 0) - (spans[a].priority || 0) || a - b;
    });
    var rows = [];
    var out = [];
    for (var n = 0; n < spans.length; n++) out.push(-1);
    for (var k = 0; k < order.length; k++) {
      var s = spans[order[k]];
      for (var r = 0; r < maxRows; r++) {
        var taken = rows[r] || (rows[r] = []);
        var free = true;
        for (var t = 0; t < taken.length; t++) {
          if (s.left < taken[t].right + 4 && taken[t].left < s.left + s.width + 4) {
            free = false;
            break;
          }
        }
        if (free) {
          taken.push({ left: s.left, right: s.left + s.width });
          out[order[k]] = r;
          break;
        }
      }
    }
    return out;
  },
  // Bands (monitoring windows, downtime) go under the data; their labels are drawn with the lines.
  beforeDatasetsDraw: function (chart, _args, opts) {
    var markers = (opts && opts.markers) || [];
    var scale = chart.scales.x;
    var area = chart.chartArea;
    if (!scale || !area) return;
    var ctx = chart.ctx;
    ctx.save();
    for (var b = 0; b < markers.length; b++) {
      if (typeof markers[b].toX !== 'number') continue;
      var bx0 = Math.max(area.left, scale.getPixelForValue(markers[b].x));
      var bx1 = Math.min(area.right, scale.getPixelForValue(markers[b].toX));
      if (!isFinite(bx0) || !isFinite(bx1) || bx1 <= bx0) continue;
      ctx.fillStyle = markers[b].fill || 'rgba(0,0,0,0.08)';
      ctx.fillRect(bx0, area.top, Math.max(1, bx1 - bx0), area.bottom - area.top);
    }
    ctx.restore();
  },
  afterDatasetsDraw: function (chart, _args, opts) {
    var markers = (opts && opts.markers) || [];
    var scale = chart.scales.x;
    var area = chart.chartArea;
    if (!scale || !area || markers.length === 0) return;
    var ctx = chart.ctx;
    var font = chart.options.font || {};
    var sizePx = 13;
    var rowHeightPx = sizePx + 6;
    // Beyond a few rows labels would bury the data; crowded lines keep their colour and dash.
    var maxRows = 4;
    var visible = [];
    ctx.save();
    for (var i = 0; i < markers.length; i++) {
      var px = scale.getPixelForValue(markers[i].x);
      if (!isFinite(px) || px < area.left - 1 || px > area.right + 1) continue;
      visible.push({ m: markers[i], px: px });
      if (typeof markers[i].toX === 'number') continue;
      ctx.beginPath();
      ctx.setLineDash(markers[i].dash || []);
      ctx.lineWidth = 2;
      ctx.strokeStyle = markers[i].color;
      ctx.moveTo(px, area.top);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
    }
    // Labels after all lines, so no line crosses a label.
    ctx.setLineDash([]);
    ctx.font = sizePx + 'px ' + (font.family || 'sans-serif');
    ctx.textBaseline = 'middle';
    var labelled = [];
    var spans = [];
    for (var j = 0; j < visible.length; j++) {
      var m = visible[j].m;
      if (!m.label) continue;
      var w = ctx.measureText(m.label).width + 8;
      var left = visible[j].px + 3 + w > area.right ? visible[j].px - 3 - w : visible[j].px + 3;
      labelled.push(m);
      spans.push({ left: left, width: w, priority: m.priority || 0 });
    }
    var rowOf = this.layoutRows(spans, maxRows);
    for (var q = 0; q < labelled.length; q++) {
      var row = rowOf[q];
      if (row < 0) continue;
      var lm = labelled[q];
      var left = spans[q].left;
      var w = spans[q].width;
      var top = area.top + 3 + row * rowHeightPx;
      ctx.fillStyle = 'rgba(255,255,255,0.88)';
      ctx.fillRect(left, top, w, rowHeightPx - 2);
      ctx.fillStyle = lm.color;
      ctx.fillText(lm.label, left + 4, top + (rowHeightPx - 2) / 2);
    }
    ctx.restore();
  }
})`;

let markerPlugin: Plugin | null = null;

/** The plugin object for Node, evaluated from the same source the browser gets. */
export function markerPluginForNode(): Plugin {
  markerPlugin ??= new vm.Script(MARKER_PLUGIN_SOURCE, {
    filename: 'rollsim-markers-plugin.js',
  }).runInThisContext() as Plugin;
  return markerPlugin;
}
