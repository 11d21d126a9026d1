/** Renders the scaling section's curves as a two-panel log-log SVG (no chart dependency). */

/** One family's measured times (ms) and fitted exponents. */
export interface Curve {
  name: string;
  byCount: number[];
  byLength: number[];
  eCount: number;
  eLength: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
const W = 360;
const H = 260;
const PAD = { left: 56, right: 12, top: 28, bottom: 40 };

function panel(title: string, xs: number[], series: { color: string; ys: number[] }[], xLabel: string, offsetX: number): string {
  const all = series.flatMap((s) => s.ys);
  const [ymin, ymax] = [Math.min(...all) / 1.3, Math.max(...all) * 1.3];
  const [xmin, xmax] = [Math.min(...xs) / 1.2, Math.max(...xs) * 1.2];
  const px = (x: number) => offsetX + PAD.left + ((Math.log(x) - Math.log(xmin)) / (Math.log(xmax) - Math.log(xmin))) * (W - PAD.left - PAD.right);
  const py = (y: number) => PAD.top + (1 - (Math.log(y) - Math.log(ymin)) / (Math.log(ymax) - Math.log(ymin))) * (H - PAD.top - PAD.bottom);
  const out: string[] = [];
  out.push(`<text x="${offsetX + W / 2}" y="16" text-anchor="middle" font-weight="bold">${title}</text>`);
  out.push(`<rect x="${offsetX + PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#999"/>`);
  for (const x of xs) {
    out.push(`<text x="${px(x).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<text x="${offsetX + PAD.left + (W - PAD.left - PAD.right) / 2}" y="${H - 6}" text-anchor="middle">${xLabel}</text>`);
  for (let e = Math.floor(Math.log10(ymin)); e <= Math.ceil(Math.log10(ymax)); e++) {
    const y = 10 ** e;
    if (y < ymin || y > ymax) continue;
    out.push(`<line x1="${offsetX + PAD.left}" x2="${offsetX + W - PAD.right}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${offsetX + PAD.left - 4}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${y >= 1000 ? `${y / 1000} s` : `${y} ms`}</text>`);
  }
  for (const s of series) {
    const pts = xs.map((x, i) => `${px(x).toFixed(1)},${py(s.ys[i] as number).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts.split(" ")) {
      const [cx, cy] = p.split(",");
      out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"/>`);
    }
  }
  return out.join("\n");
}

/** The chart: time per query vs candidates (left) and vs document length (right), one line per family with its exponent. */
export function renderScalingSvg(curves: Curve[], counts: number[], lengths: number[], fixed: { count: number; length: number }): string {
  const legendH = 18 * curves.length + 8;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + legendH}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(`time per query vs candidates (${fixed.count}-word docs)`, counts, curves.map((c, i) => ({ color: COLORS[i % COLORS.length]!, ys: c.byCount })), "documents per query", 0),
    panel(`time per query vs document length (${fixed.length} docs)`, lengths, curves.map((c, i) => ({ color: COLORS[i % COLORS.length]!, ys: c.byLength })), "words per document", W),
  ];
  curves.forEach((c, i) => {
    const y = H + 14 + 18 * i;
    parts.push(`<rect x="${PAD.left}" y="${y - 9}" width="14" height="4" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${PAD.left + 20}" y="${y}">${c.name}: time ~ docs^${c.eCount.toFixed(2)}, ~ length^${c.eLength.toFixed(2)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
