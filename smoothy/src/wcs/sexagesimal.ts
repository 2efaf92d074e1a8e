/** Right ascension and declination as astronomers read them on an axis. */
export function formatRa(deg: number): string {
  const hours = (((deg % 360) + 360) % 360) / 15;
  const h = Math.floor(hours);
  const m = Math.floor((hours - h) * 60);
  const s = ((hours - h) * 60 - m) * 60;
  return `${h}h${String(m).padStart(2, "0")}m${s.toFixed(1).padStart(4, "0")}s`;
}

export function formatDec(deg: number): string {
  const sign = deg < 0 ? "−" : "+";
  const a = Math.abs(deg);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = ((a - d) * 60 - m) * 60;
  return `${sign}${d}°${String(m).padStart(2, "0")}′${s.toFixed(0).padStart(2, "0")}″`;
}
