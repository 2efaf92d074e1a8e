/**
 * A MeasurementSet summary as CASA's listobs gives it: the observation, the fields with their
 * directions, the spectral windows with their frequencies, the antennas, the scans with their times,
 * and the row counts. Read from the MS's own subtables and TaQL groupings of the main table.
 */
import { CasaTable, taql } from "./table.js";
import type { ColumnData } from "./native.js";

export interface Listobs {
  ms: string;
  nrows: number;
  observation: { telescope: string; observer: string; project: string; start: string; end: string; startMjd: number; endMjd: number };
  fields: Array<{ id: number; name: string; code: string; ra: number; dec: number; raText: string; decText: string; nrows: number }>;
  spectralWindows: Array<{
    id: number;
    name: string;
    nchan: number;
    frame: string;
    firstChannelHz: number;
    channelWidthHz: number;
    totalBandwidthHz: number;
    refFrequencyHz: number;
    correlations: string[];
  }>;
  antennas: Array<{ id: number; name: string; station: string; diameter: number; position: [number, number, number] }>;
  scans: Array<{ scan: number; fieldId: number; field: string; start: string; end: string; startMjd: number; endMjd: number; nrows: number; spws: number[] }>;
}

const FREQ_FRAMES = ["REST", "LSRK", "LSRD", "BARY", "GEO", "TOPO", "GALACTO", "LGROUP", "CMB"];
/** casacore's Stokes enumeration, as listobs prints correlations. */
const STOKES = ["Undefined", "I", "Q", "U", "V", "RR", "RL", "LR", "LL", "XX", "XY", "YX", "YY"];

const numbers = (c: ColumnData) => Array.from(c.values as ArrayLike<number>, Number);
const strings = (c: ColumnData) => c.values as string[];
/** MJD seconds (an MS's TIME) as ISO 8601 UTC. */
const iso = (seconds: number) => new Date(Math.round(seconds - 40587 * 86400) * 1000).toISOString().replace(/\.\d+Z$/, "Z");

function sexagesimal(deg: number, hours: boolean): string {
  const sign = deg < 0 ? "-" : hours ? "" : "+";
  let v = Math.abs(hours ? (((deg % 360) + 360) % 360) / 15 : deg);
  const a = Math.floor(v);
  v = (v - a) * 60;
  const b = Math.floor(v);
  const c = (v - b) * 60;
  return `${sign}${String(a).padStart(2, "0")}${hours ? ":" : "."}${String(b).padStart(2, "0")}${hours ? ":" : "."}${c.toFixed(hours ? 6 : 5).padStart(hours ? 9 : 8, "0")}`;
}

async function subtable(ms: string, name: string): Promise<CasaTable> {
  return CasaTable.open(`${ms}/${name}`);
}

export async function listobs(ms: string): Promise<Listobs> {
  const main = CasaTable.open(ms);
  const nrows = main.nrows;
  main.close();
  const quoted = `'${ms.replace(/'/g, "\\'")}'`;

  const obs = await subtable(ms, "OBSERVATION");
  const [telescope, observer, project] = await Promise.all(["TELESCOPE_NAME", "OBSERVER", "PROJECT"].map((c) => obs.getColumn(c)));
  obs.close();

  const field = await subtable(ms, "FIELD");
  const [fname, fcode, fdir] = await Promise.all(["NAME", "CODE", "PHASE_DIR"].map((c) => field.getColumn(c)));
  field.close();
  const perField = new Map<number, number>();
  const byField = (await taql(`SELECT FIELD_ID, gcount() AS N FROM ${quoted} GROUPBY FIELD_ID`)) as CasaTable;
  const [fid, fcount] = await Promise.all([byField.getColumn("FIELD_ID"), byField.getColumn("N")]);
  numbers(fid).forEach((id, i) => perField.set(id, numbers(fcount)[i]));
  byField.close();
  const dir = numbers(fdir);
  const perRow = dir.length / Math.max(1, strings(fname).length);
  const fields = strings(fname).map((name, id) => {
    const ra = ((((dir[id * perRow] * 180) / Math.PI) % 360) + 360) % 360,
      dec = (dir[id * perRow + 1] * 180) / Math.PI;
    return { id, name, code: strings(fcode)[id] ?? "", ra, dec, raText: sexagesimal(ra, true), decText: sexagesimal(dec, false), nrows: perField.get(id) ?? 0 };
  });

  const spw = await subtable(ms, "SPECTRAL_WINDOW");
  const [sname, nchan, chanFreq, chanWidth, total, ref, frame] = await Promise.all(
    ["NAME", "NUM_CHAN", "CHAN_FREQ", "CHAN_WIDTH", "TOTAL_BANDWIDTH", "REF_FREQUENCY", "MEAS_FREQ_REF"].map((c) => spw.getColumn(c)),
  );
  spw.close();
  const dd = await subtable(ms, "DATA_DESCRIPTION");
  const [ddSpw, ddPol] = await Promise.all([dd.getColumn("SPECTRAL_WINDOW_ID"), dd.getColumn("POLARIZATION_ID")]);
  dd.close();
  const pol = await subtable(ms, "POLARIZATION");
  const corr = await pol.getColumn("CORR_TYPE");
  pol.close();
  const corrPerRow = corr.shape[1] ?? 1;
  const corrTypes = (polId: number) =>
    numbers(corr)
      .slice(polId * corrPerRow, (polId + 1) * corrPerRow)
      .map((t) => STOKES[t] ?? String(t));
  const chanNumbers = numbers(nchan);
  // CHAN_FREQ may vary in length per window: then each row is its own { values }.
  const firstOf = (c: ColumnData, row: number): number =>
    Array.isArray(c.values) && typeof c.values[0] === "object"
      ? Number((c.values as unknown as Array<{ values: ArrayLike<number> }>)[row].values[0])
      : Number((c.values as ArrayLike<number>)[row * (c.shape[1] ?? 1)]);
  const spectralWindows = strings(sname).map((name, id) => {
    const polId = numbers(ddSpw).indexOf(id);
    return {
      id,
      name,
      nchan: chanNumbers[id],
      frame: FREQ_FRAMES[numbers(frame)[id]] ?? String(numbers(frame)[id]),
      firstChannelHz: firstOf(chanFreq, id),
      channelWidthHz: firstOf(chanWidth, id),
      totalBandwidthHz: numbers(total)[id],
      refFrequencyHz: numbers(ref)[id],
      correlations: polId >= 0 ? corrTypes(numbers(ddPol)[polId]) : [],
    };
  });

  const ant = await subtable(ms, "ANTENNA");
  const [aname, station, diameter, position] = await Promise.all(["NAME", "STATION", "DISH_DIAMETER", "POSITION"].map((c) => ant.getColumn(c)));
  ant.close();
  const pos = numbers(position);
  const antennas = strings(aname).map((name, id) => ({
    id,
    name,
    station: strings(station)[id],
    diameter: numbers(diameter)[id],
    position: [pos[3 * id], pos[3 * id + 1], pos[3 * id + 2]] as [number, number, number],
  }));

  const grouped = (await taql(
    `SELECT SCAN_NUMBER, FIELD_ID, DATA_DESC_ID, gmin(TIME) AS T0, gmax(TIME) AS T1, gcount() AS N FROM ${quoted} GROUPBY SCAN_NUMBER, FIELD_ID, DATA_DESC_ID`,
  )) as CasaTable;
  const [gscan, gfield, gdd, gt0, gt1, gn] = await Promise.all(["SCAN_NUMBER", "FIELD_ID", "DATA_DESC_ID", "T0", "T1", "N"].map((c) => grouped.getColumn(c)));
  grouped.close();
  const scans = new Map<string, Listobs["scans"][number]>();
  const [scanNo, fieldNo, ddNo, t0s, t1s, counts] = [gscan, gfield, gdd, gt0, gt1, gn].map(numbers);
  scanNo.forEach((scan, i) => {
    const fieldId = fieldNo[i];
    const key = `${scan}/${fieldId}`;
    const t0 = t0s[i],
      t1 = t1s[i];
    const s = scans.get(key) ?? { scan, fieldId, field: fields[fieldId]?.name ?? "", start: iso(t0), end: iso(t1), startMjd: t0 / 86400, endMjd: t1 / 86400, nrows: 0, spws: [] };
    if (t0 / 86400 < s.startMjd) (s.startMjd = t0 / 86400), (s.start = iso(t0));
    if (t1 / 86400 > s.endMjd) (s.endMjd = t1 / 86400), (s.end = iso(t1));
    s.nrows += counts[i];
    const spwId = numbers(ddSpw)[ddNo[i]];
    if (!s.spws.includes(spwId)) s.spws.push(spwId);
    scans.set(key, s);
  });
  const scanList = [...scans.values()].sort((a, b) => a.startMjd - b.startMjd || a.scan - b.scan);
  if (scanList.length === 0) throw new Error(`${ms}: the MeasurementSet has no rows to summarise`);
  const start = scanList.reduce((t, s) => Math.min(t, s.startMjd), Infinity),
    end = scanList.reduce((t, s) => Math.max(t, s.endMjd), -Infinity);
  return {
    ms,
    nrows,
    observation: {
      telescope: strings(telescope)[0] ?? "",
      observer: strings(observer)[0] ?? "",
      project: strings(project)[0] ?? "",
      start: iso(start * 86400),
      end: iso(end * 86400),
      startMjd: start,
      endMjd: end,
    },
    fields,
    spectralWindows,
    antennas,
    scans: scanList,
  };
}

/** The summary as listobs prints it. */
export function formatListobs(l: Listobs): string {
  const lines = [
    `MeasurementSet Name:  ${l.ms}`,
    `   Observer: ${l.observation.observer}     Project: ${l.observation.project}`,
    `Observed from   ${l.observation.start}   to   ${l.observation.end} (UTC)`,
    `Total rows: ${l.nrows}`,
    "",
    `Scans: ${l.scans.length}`,
    "  Timerange (UTC)                                   Scan  FldId FieldName        nRows  SpwIds",
    ...l.scans.map(
      (s) => `  ${s.start} - ${s.end}  ${String(s.scan).padStart(5)} ${String(s.fieldId).padStart(6)} ${s.field.padEnd(16)} ${String(s.nrows).padStart(6)}  [${s.spws.join(",")}]`,
    ),
    "",
    `Fields: ${l.fields.length}`,
    "  ID   Code Name             RA               Decl              nRows",
    ...l.fields.map((f) => `  ${String(f.id).padEnd(4)} ${f.code.padEnd(4)} ${f.name.padEnd(16)} ${f.raText.padEnd(16)} ${f.decText.padEnd(17)} ${f.nrows}`),
    "",
    `Spectral Windows: ${l.spectralWindows.length}`,
    "  SpwID  Name             #Chans   Frame   Ch0(MHz)      ChanWid(kHz)  TotBW(kHz)    CtrFreq(MHz)  Corrs",
    ...l.spectralWindows.map(
      (w) =>
        `  ${String(w.id).padEnd(6)} ${w.name.padEnd(16)} ${String(w.nchan).padStart(6)}   ${w.frame.padEnd(7)} ${(w.firstChannelHz / 1e6).toFixed(3).padStart(12)}  ${(w.channelWidthHz / 1e3).toFixed(3).padStart(12)}  ${(w.totalBandwidthHz / 1e3).toFixed(1).padStart(12)}  ${(w.refFrequencyHz / 1e6).toFixed(4).padStart(12)}  ${w.correlations.join(" ")}`,
    ),
    "",
    `Antennas: ${l.antennas.length}`,
    "  ID   Name   Station   Diam.",
    ...l.antennas.map((a) => `  ${String(a.id).padEnd(4)} ${a.name.padEnd(6)} ${a.station.padEnd(9)} ${a.diameter.toFixed(1)} m`),
  ];
  return lines.join("\n");
}
