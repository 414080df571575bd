// Chart.js drawing into an @napi-rs/canvas canvas, encoded as PNG. chartjs-node-canvas is not used:
// it pins the native `canvas` package, which needs a compiler toolchain; @napi-rs/canvas ships prebuilt.
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { markerPluginForNode } from './chart-plugins.js';

export interface PngSize {
  readonly widthPx: number;
  readonly heightPx: number;
}

export const DEFAULT_PNG_SIZE: PngSize = { widthPx: 1200, heightPx: 600 };

// Fonts that look right in charts, in order of preference; the first one installed wins.
const PREFERRED_FONTS = ['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial', 'Helvetica'];
const SYSTEM_FONT_DIR = '/usr/share/fonts';

let initialized = false;
let fontFamily: string | null = null;

/** PNGs have no page behind them: paint the canvas white first or viewers show a transparent void. */
const whiteBackground: Plugin = {
  id: 'rollsimWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function findFontFamily(): string | null {
  let families = GlobalFonts.families.map((f) => f.family);
  // @napi-rs/canvas scans the usual system directories itself; load them explicitly if it found none.
  if (families.length === 0 && existsSync(SYSTEM_FONT_DIR)) {
    GlobalFonts.loadFontsFromDir(SYSTEM_FONT_DIR);
    families = GlobalFonts.families.map((f) => f.family);
  }
  return (
    PREFERRED_FONTS.find((f) => families.includes(f)) ??
    families.find((f) => !/math|emoji|symbol|mono/i.test(f)) ??
    null
  );
}

function initialize(): void {
  if (initialized) return;
  Chart.register(...registerables);
  fontFamily = findFontFamily();
  Chart.defaults.font.family = fontFamily ?? 'sans-serif';
  Chart.defaults.color = '#333333';
  initialized = true;
}

/** The font family the PNGs use, or null when the machine has no font (text is then not drawn). */
export function pngFontFamily(): string | null {
  initialize();
  return fontFamily;
}

/** Render one chart configuration to PNG bytes. The configuration is copied, never mutated. */
export function renderChartPng(config: ChartConfiguration, size: PngSize = DEFAULT_PNG_SIZE): Buffer {
  initialize();
  const copy = structuredClone(config);
  const own: ChartConfiguration = {
    ...copy,
    options: { ...copy.options, animation: false, responsive: false, devicePixelRatio: 1 },
    plugins: [...(copy.plugins ?? []), whiteBackground, markerPluginForNode()],
  };
  const canvas = createCanvas(size.widthPx, size.heightPx);
  const ctx = canvas.getContext('2d');
  const chart = new Chart(ctx as unknown as CanvasRenderingContext2D, own);
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
