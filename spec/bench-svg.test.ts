/**
 * bench/svg.ts, the chart writer of the cost curves: its output is well-formed XML (checked
 * by a small parser written here, not by the writer's own code), an <svg> root, and every
 * point given comes back from the markers, series by series, in order, at a position that
 * grows with its value. Random charts from fast-check (the seed is printed on failure).
 */
import test from 'ava'
import fc from 'fast-check'
import type { Chart } from '../bench/svg.js'
import { lineChart } from '../bench/svg.js'

interface Element {
  readonly name: string
  readonly attrs: Readonly<Record<string, string>>
  readonly children: Element[]
  text: string
}

const unescape = (s: string): string => {
  const bad = /&(?!amp;|lt;|gt;|quot;|apos;)/.exec(s)
  if (bad !== null) throw new Error(`a bare & at ${bad.index}`)
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

/** A strict little XML parser: elements, double-quoted attributes, text; throws on anything malformed. */
const parseXml = (xml: string): Element => {
  const root: Element = { name: '#root', attrs: {}, children: [], text: '' }
  const stack: Element[] = [root]
  const token = /<\/([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)((?:\s+[A-Za-z][\w:-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy
  let m: RegExpExecArray | null
  let at = 0
  while (at < xml.length) {
    token.lastIndex = at
    m = token.exec(xml)
    if (m === null) throw new Error(`malformed XML at ${at}: ${xml.slice(at, at + 40)}`)
    at = token.lastIndex
    const top = stack[stack.length - 1]!
    if (m[1] !== undefined) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}>`)
      stack.pop()
    } else if (m[2] !== undefined) {
      const attrs: Record<string, string> = {}
      for (const a of m[3]!.matchAll(/([A-Za-z][\w:-]*)="([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`attribute ${a[1]} twice`)
        attrs[a[1]!] = unescape(a[2]!)
      }
      const el: Element = { name: m[2], attrs, children: [], text: '' }
      top.children.push(el)
      if (m[4] !== '/') stack.push(el)
    } else top.text += unescape(m[5]!)
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`)
  return root
}

const all = (e: Element, name: string): Element[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))]

const readBack = (svg: string) => {
  const root = parseXml(svg)
  const tops = root.children
  return {
    tops,
    series: all(root, 'g')
      .filter((g) => g.attrs.class === 'series')
      .map((g) => ({
        name: g.attrs['data-name']!,
        circles: all(g, 'circle').map((c) => ({
          x: Number(c.attrs['data-x']),
          y: Number(c.attrs['data-y']),
          cx: Number(c.attrs.cx),
          cy: Number(c.attrs.cy)
        }))
      }))
  }
}

const positive = fc.double({ min: 1e-3, max: 1e7, noNaN: true })
const chartArb: fc.Arbitrary<Chart> = fc.record({
  title: fc.string(),
  xLabel: fc.string(),
  yLabel: fc.string(),
  logX: fc.boolean(),
  logY: fc.boolean(),
  series: fc.array(fc.record({ name: fc.string(), points: fc.array(fc.tuple(positive, positive), { minLength: 1, maxLength: 12 }) }), {
    minLength: 1,
    maxLength: 5
  })
})

test('every chart is well-formed SVG whose markers give back the points, in order, placed by value', (t) => {
  fc.assert(
    fc.property(chartArb, (chart) => {
      const { tops, series } = readBack(lineChart(chart))
      if (tops.length !== 1 || tops[0]!.name !== 'svg' || tops[0]!.attrs.xmlns !== 'http://www.w3.org/2000/svg') return false
      if (series.length !== chart.series.length) return false
      const cs = series.flatMap((s) => s.circles)
      const given = chart.series.flatMap((s) => s.points)
      for (let i = 0; i < chart.series.length; i++) {
        const s = series[i]!
        if (s.name !== chart.series[i]!.name) return false
        const pts = chart.series[i]!.points
        if (s.circles.length !== pts.length) return false
        for (let k = 0; k < pts.length; k++) if (s.circles[k]!.x !== pts[k]![0] || s.circles[k]!.y !== pts[k]![1]) return false
      }
      // Positions grow with values (x rightwards, y upwards: a smaller cy), every marker inside the canvas.
      for (let a = 0; a < cs.length; a++) {
        const p = cs[a]!
        if (!(p.cx >= 0 && p.cx <= 640 && p.cy >= 0 && p.cy <= 400)) return false
        for (let b = 0; b < cs.length; b++) {
          const q = cs[b]!
          if (p.x < q.x && !(p.cx <= q.cx)) return false
          if (p.y < q.y && !(p.cy >= q.cy)) return false
        }
      }
      return given.length === cs.length
    }),
    { numRuns: 200 }
  )
  t.pass()
})

test('points a log axis cannot show are left out; a linear axis shows zero and negatives', (t) => {
  const pts: Array<readonly [number, number]> = [
    [0, 5],
    [10, -1],
    [100, 50]
  ]
  const log = readBack(
    lineChart({ title: 'a & b < c', xLabel: 'x', yLabel: 'y', logX: true, logY: true, series: [{ name: 's', points: pts }] })
  )
  t.deepEqual(
    log.series[0]!.circles.map((c) => [c.x, c.y]),
    [[100, 50]]
  )
  const lin = readBack(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: '"q"', points: pts }] }))
  t.deepEqual(
    lin.series[0]!.circles.map((c) => [c.x, c.y]),
    pts.map((p) => [...p])
  )
  t.is(lin.series[0]!.name, '"q"')
})
