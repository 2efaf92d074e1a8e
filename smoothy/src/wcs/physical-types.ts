/** World axis physical types (IVOA UCD1+), from CTYPE, as astropy.wcs names them for APE 14. */
const BY_PREFIX: Array<[RegExp, string]> = [
  [/^RA-*(-|$)/, "pos.eq.ra"],
  [/^DEC-*(-|$)/, "pos.eq.dec"],
  [/^GLON/, "pos.galactic.lon"],
  [/^GLAT/, "pos.galactic.lat"],
  [/^ELON/, "pos.ecliptic.lon"],
  [/^ELAT/, "pos.ecliptic.lat"],
  [/^SLON/, "pos.supergalactic.lon"],
  [/^SLAT/, "pos.supergalactic.lat"],
  [/^FREQ/, "em.freq"],
  [/^ENER/, "em.energy"],
  [/^WAVN/, "em.wavenumber"],
  [/^(WAVE|AWAV)/, "em.wl"],
  [/^VRAD/, "spect.dopplerVeloc.radio"],
  [/^VOPT/, "spect.dopplerVeloc.opt"],
  [/^ZOPT/, "src.redshift"],
  [/^(VELO|VELREL)/, "spect.dopplerVeloc"],
  [/^BETA/, "custom:spect.doplerVeloc.beta"],
  [/^STOKES/, "phys.polarization.stokes"],
  [/^TIME/, "time"],
];

export function physicalType(ctype: string): string {
  const upper = ctype.trim().toUpperCase();
  const hit = BY_PREFIX.find(([re]) => re.test(upper));
  if (hit) return hit[1];
  return upper === "" ? "custom:" : `custom:${upper.split("-")[0]}`;
}
