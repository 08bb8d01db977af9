/**
 * A small SVG line-chart writer (no dependency): series of (x, y) points on linear or log
 * axes, with ticks, a legend and a marker per point. Each marker carries its data values
 * (`data-x`, `data-y`) so that a chart can be read back (spec/bench-svg.test.ts does).
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface Series {
  readonly name: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

export interface Chart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  /** Log-scale axes (every value on that axis must then be > 0; others are left out). */
  readonly logX?: boolean
  readonly logY?: boolean
}

const W = 640
const H = 400
const M = { left: 70, right: 170, top: 40, bottom: 50 }
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b']

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

/** Text made safe inside an XML element or attribute. */
export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')

/** A number as a short label: 1.2k, 3.4M, 0.05. */
export const shortNumber = (v: number): string => {
  const a = Math.abs(v)
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`
  return `${+v.toPrecision(3)}`
}

interface Axis {
  readonly toPx: (v: number) => number
  readonly ticks: ReadonlyArray<number>
}

const axis = (values: ReadonlyArray<number>, log: boolean, from: number, to: number): Axis => {
  const lo0 = Math.min(...values)
  const hi0 = Math.max(...values)
  if (log) {
    const lo = Math.floor(Math.log10(lo0))
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(hi0)))
    const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i))
    return { toPx: (v) => from + ((Math.log10(v) - lo) / (hi - lo)) * (to - from), ticks }
  }
  const lo = Math.min(0, lo0)
  const hi = hi0 > lo ? hi0 : lo + 1
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4))
  const nice = [1, 2, 5, 10].map((k) => k * step).find((s) => (hi - lo) / s <= 6) ?? step * 10
  const top = Math.ceil(hi / nice) * nice
  const ticks = Array.from({ length: Math.round((top - lo) / nice) + 1 }, (_, i) => lo + i * nice)
  return { toPx: (v) => from + ((v - lo) / (top - lo)) * (to - from), ticks }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** The chart as an SVG document. Points that a log axis cannot show (<= 0, not finite) are left out. */
export const lineChart = (c: Chart): string => {
  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!c.logX || x > 0) && (!c.logY || y > 0)
  const series = c.series.map((s) => ({ name: s.name, points: s.points.filter(([x, y]) => ok(x, y)) }))
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = series.flatMap((s) => s.points.map((p) => p[1]))
  const xa = axis(xs.length > 0 ? xs : [1], c.logX === true, M.left, W - M.right)
  const ya = axis(ys.length > 0 ? ys : [1], c.logY === true, H - M.bottom, M.top)
  const px = (v: number) => xa.toPx(v).toFixed(1)
  const py = (v: number) => ya.toPx(v).toFixed(1)
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`
  )
  out.push(`<title>${escapeXml(c.title)}</title>`)
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(c.title)}</text>`)
  for (const t of xa.ticks) {
    out.push(`<line x1="${px(t)}" y1="${M.top}" x2="${px(t)}" y2="${H - M.bottom}" stroke="#eee"/>`)
    out.push(`<text x="${px(t)}" y="${H - M.bottom + 15}" text-anchor="middle">${escapeXml(shortNumber(t))}</text>`)
  }
  for (const t of ya.ticks) {
    out.push(`<line x1="${M.left}" y1="${py(t)}" x2="${W - M.right}" y2="${py(t)}" stroke="#eee"/>`)
    out.push(`<text x="${M.left - 5}" y="${py(t)}" text-anchor="end" dominant-baseline="middle">${escapeXml(shortNumber(t))}</text>`)
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`)
  out.push(
    `<text x="15" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 15 ${(M.top + H - M.bottom) / 2})">${escapeXml(c.yLabel)}</text>`
  )
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`)
    if (s.points.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}"/>`
      )
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${color}" data-x="${x}" data-y="${y}"/>`)
    out.push('</g>')
    const ly = M.top + 10 + i * 18
    out.push(`<line x1="${W - M.right + 10}" y1="${ly}" x2="${W - M.right + 30}" y2="${ly}" stroke="${color}" stroke-width="2"/>`)
    out.push(`<text x="${W - M.right + 35}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
