/** One aggregates result row exactly as Polygon sends it (REST `results[]`; the socket replays the same bars). */
export interface PolygonAgg {
  v: number;
  vw: number;
  o: number;
  c: number;
  h: number;
  l: number;
  t: number;
  n: number;
}
