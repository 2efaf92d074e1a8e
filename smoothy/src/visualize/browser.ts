/**
 * The JavaScript that draws a view in the notebook's page. The libraries (plotly.js, three.js) come
 * from the kernelspec's own folder, which every Jupyter server serves at /kernelspecs/<name>/, so
 * views work offline, behind JupyterHub's base URL, in the classic notebook and in JupyterLab.
 */

import { escapeHtml } from "../common/html.js";
import { assetsPath } from "../common/notebook.js";
import type { CubeViewSpec } from "./cube-view.js";

/**
 * A script expression giving the URL of a library: the page's own copy when a standalone page
 * carries it (`window.__jovialAssets`), else the file in the kernelspec folder.
 */
function assetUrl(file: string): string {
  return `((window.__jovialAssets || {})["${file}"] || ((document.body && document.body.dataset.baseUrl) || (JSON.parse((document.getElementById("jupyter-config-data") || {}).textContent || "{}").baseUrl) || "/").replace(/\\/?$/, "/") + "${assetsPath()}${file}")`;
}

/** JSON that is safe inside a <script>: `</script>` in a FITS header must not end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

let counter = 0;
export function elementId(): string {
  return `jovial-view-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/**
 * A script expression: a promise of plotly.js, loaded once per page. The classic notebook has
 * require.js's `define` on the page, which would make plotly register as an AMD module instead of
 * `window.Plotly`: hide it while loading.
 */
function plotlyReady(): string {
  return `(window.Plotly ? Promise.resolve() : (window.__jovialPlotly = window.__jovialPlotly || new Promise(function (resolve, reject) {
    var define = window.define; window.define = undefined;
    var s = document.createElement("script");
    s.src = ${assetUrl("plotly.min.js")};
    s.onload = function () { window.define = define; resolve(); };
    s.onerror = function () { window.define = define; reject(new Error("plotly.js did not load from " + s.src)); };
    document.head.appendChild(s);
  })))`;
}

export function plotlyHtml(id: string, figure: unknown, height: number): string {
  return `<div id="${id}" style="width:100%;height:${height}px"></div>
<script>
(function () {
  var figure = ${scriptJson(figure)};
  ${plotlyReady()}.then(function () { window.Plotly.newPlot("${id}", figure.data, figure.layout, { responsive: true }); },
    function (e) { document.getElementById("${id}").textContent = e.message; });
})();
</script>`;
}

/**
 * The ray march. Every loop is counted by an integer with a fixed bound (MAX_STEPS): software WebGL
 * (SwiftShader, what a browser without a GPU uses) froze the tab on a loop stepped by a float.
 */
const FRAGMENT_SHADER = `precision highp float; precision highp sampler3D; in vec3 vOrigin; in vec3 vDirection; out vec4 color;
uniform sampler3D volume; uniform float steps; uniform int composite;
const int MAX_STEPS = 512;
vec2 hitBox(vec3 o, vec3 dir) { vec3 inv = 1.0 / dir; vec3 a = (vec3(-0.5) - o) * inv; vec3 b = (vec3(0.5) - o) * inv;
  vec3 lo = min(a, b); vec3 hi = max(a, b); return vec2(max(max(lo.x, lo.y), lo.z), min(min(hi.x, hi.y), hi.z)); }
vec3 ramp(float t) { return clamp(vec3(1.5 * t - 0.2, 1.8 * t * t, 0.45 + 0.6 * sin(3.1 * t)), 0.0, 1.0); }
void main() {
  vec3 dir = normalize(vDirection); vec2 b = hitBox(vOrigin, dir); if (b.x > b.y) discard; b.x = max(b.x, 0.0);
  int n = clamp(int(steps), 1, MAX_STEPS);
  float dt = (b.y - b.x) / float(n); vec3 p = vOrigin + b.x * dir;
  if (composite == 1) {
    // Front to back: each sample emits its colour and absorbs what lies behind it, in proportion to its value.
    vec4 acc = vec4(0.0);
    for (int i = 0; i < MAX_STEPS; i++) {
      if (i >= n) break;
      float v = texture(volume, p + 0.5).r;
      float a = 1.0 - pow(1.0 - 0.5 * v, dt * 120.0);
      acc.rgb += (1.0 - acc.a) * a * ramp(v); acc.a += (1.0 - acc.a) * a;
      if (acc.a > 0.97) break;
      p += dir * dt;
    }
    if (acc.a <= 0.0) discard; color = acc;
  } else {
    float m = 0.0;
    for (int i = 0; i < MAX_STEPS; i++) { if (i >= n) break; m = max(m, texture(volume, p + 0.5).r); p += dir * dt; }
    if (m <= 0.0) discard; color = vec4(ramp(m), m);
  }
}`;

/**
 * A cube: the volume ray-marched by three.js (drag to turn, wheel to zoom), beside its moment-0 map
 * and the spectrum under the pointer, drawn from the binned spectra shipped with the page.
 */
export function cubeHtml(id: string, spec: CubeViewSpec): string {
  const { volume, spectra } = spec;
  const b64 = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
  const text = escapeHtml;
  const meta = {
    w: volume.width,
    h: volume.height,
    d: volume.depth,
    composite: volume.transfer === "composite" ? 1 : 0,
    mapFactor: spec.mapFactor,
    grid: spectra.shape,
    factors: spectra.factors,
    low: spectra.low,
    step: spectra.step,
    x: spectra.x,
    xTitle: spectra.xTitle,
    unit: spectra.unit,
  };
  return `<div id="${id}" style="display:flex;flex-wrap:wrap;gap:8px;width:100%">
<div data-part="volume" style="flex:1 1 420px;height:480px;display:flex;flex-direction:column;background:#000;min-width:0">
<div data-part="volume-title" style="flex:none;padding:6px 8px;color:#ddd;font:12px sans-serif;overflow-wrap:anywhere">${text(volume.title)} — ${volume.low.toPrecision(3)} to ${volume.high.toPrecision(3)} ${text(volume.unit)} (${volume.transfer === "composite" ? "emission–absorption" : "maximum intensity"}; drag to turn, wheel to zoom)</div>
<div data-part="volume-canvas" style="flex:1 1 auto;position:relative;min-height:0;overflow:hidden"></div>
</div>
<div style="flex:1 1 360px;min-width:320px"><div data-part="map" style="height:300px"></div><div data-part="spectrum" style="height:180px"></div></div>
</div>
<script>
(async function () {
  var root = document.getElementById("${id}");
  var meta = ${scriptJson(meta)};
  var mapFigure = ${scriptJson(spec.map)};
  function bytes(b64) { return Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); }); }
  function fail(part, e) {
    var pre = document.createElement("pre");
    pre.style.cssText = "color:#c33;margin:8px;white-space:pre-wrap";
    pre.textContent = String(e && e.message || e);
    part.appendChild(pre);
  }
  var spectra = new Uint16Array(bytes("${b64(spectra.data)}").buffer);
  var mapPart = root.querySelector("[data-part=map]"), spectrumPart = root.querySelector("[data-part=spectrum]");
  function spectrumAt(px, py) {
    var gx = Math.min(meta.grid[0] - 1, Math.floor(px / meta.factors[0])), gy = Math.min(meta.grid[1] - 1, Math.floor(py / meta.factors[1]));
    var y = [];
    for (var k = 0; k < meta.grid[2]; k++) { var q = spectra[(k * meta.grid[1] + gy) * meta.grid[0] + gx]; y.push(q === 65535 ? null : meta.low + meta.step * q); }
    return { data: [{ type: "scatter", mode: "lines", line: { shape: "hvh", width: 1.5 }, x: meta.x, y: y }],
      layout: { margin: { t: 24, l: 10, r: 10, b: 10 }, height: 180, title: { text: "spectrum at pixel (" + px + ", " + py + ")", font: { size: 12 } },
        xaxis: { title: { text: meta.xTitle }, automargin: true }, yaxis: { title: { text: meta.unit }, automargin: true } } };
  }
  ${plotlyReady()}.then(function () {
    var cx = Math.floor(meta.grid[0] * meta.factors[0] / 2), cy = Math.floor(meta.grid[1] * meta.factors[1] / 2);
    var first = spectrumAt(cx, cy);
    window.Plotly.newPlot(spectrumPart, first.data, first.layout, { responsive: true });
    return window.Plotly.newPlot(mapPart, mapFigure.data, mapFigure.layout, { responsive: true }).then(function () {
      mapPart.on("plotly_hover", function (ev) {
        var p = ev.points && ev.points[0]; if (!p) return;
        var next = spectrumAt(Math.round(p.x) * meta.mapFactor, Math.round(p.y) * meta.mapFactor);
        window.Plotly.react(spectrumPart, next.data, next.layout);
      });
    });
  }).catch(function (e) { fail(mapPart, e); });
  var part = root.querySelector("[data-part=volume-canvas]");
  try {
    var THREE = await import(${assetUrl("three.module.js")});
    var texture = new THREE.Data3DTexture(bytes("${b64(volume.data)}"), meta.w, meta.h, meta.d);
    texture.format = THREE.RedFormat; texture.minFilter = texture.magFilter = THREE.LinearFilter; texture.unpackAlignment = 1; texture.needsUpdate = true;
    var renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    renderer.setPixelRatio(window.devicePixelRatio);
    renderer.setSize(part.clientWidth, part.clientHeight);
    renderer.domElement.dataset.volume = "${id}";
    part.appendChild(renderer.domElement);
    var scene = new THREE.Scene();
    var camera = new THREE.PerspectiveCamera(35, part.clientWidth / part.clientHeight, 0.01, 100);
    camera.position.set(0, 0, 3.2);
    var size = new THREE.Vector3(meta.w, meta.h, meta.d); size.divideScalar(Math.max(meta.w, meta.h, meta.d));
    var material = new THREE.ShaderMaterial({
      glslVersion: THREE.GLSL3, side: THREE.BackSide, transparent: true,
      uniforms: { volume: { value: texture }, size: { value: size }, steps: { value: 256 }, composite: { value: meta.composite } },
      vertexShader: "out vec3 vOrigin; out vec3 vDirection; uniform vec3 size;" +
        "void main() { vOrigin = vec3(inverse(modelMatrix) * vec4(cameraPosition, 1.0)) / size; vDirection = position / size - vOrigin;" +
        " gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0); }",
      fragmentShader: ${scriptJson(FRAGMENT_SHADER)},
    });
    var mesh = new THREE.Mesh(new THREE.BoxGeometry(size.x, size.y, size.z), material);
    mesh.rotation.set(-0.5, 0.6, 0);
    scene.add(mesh);
    var render = function () { renderer.render(scene, camera); };
    var drag = null;
    renderer.domElement.addEventListener("pointerdown", function (e) { drag = [e.clientX, e.clientY]; });
    window.addEventListener("pointerup", function () { drag = null; });
    renderer.domElement.addEventListener("pointermove", function (e) {
      if (!drag) return;
      mesh.rotation.y += (e.clientX - drag[0]) * 0.01; mesh.rotation.x += (e.clientY - drag[1]) * 0.01;
      drag = [e.clientX, e.clientY]; render();
    });
    renderer.domElement.addEventListener("wheel", function (e) {
      e.preventDefault();
      camera.position.z = Math.min(8, Math.max(1.0, camera.position.z * Math.exp(e.deltaY * 0.001))); render();
    }, { passive: false });
    render();
    // The panel's size follows the page (a narrower notebook, a resized window): so does the drawing.
    new ResizeObserver(function () {
      var w = part.clientWidth, h = part.clientHeight;
      if (w < 1 || h < 1) return;
      renderer.setSize(w, h); camera.aspect = w / h; camera.updateProjectionMatrix(); render();
    }).observe(part);
  } catch (e) {
    var why = String(e && e.message || e);
    fail(part, /webgl/i.test(why) ? "No WebGL in this browser (" + why + "): the volume cannot be drawn here; the map and the spectra beside it work without it." : why);
  }
})();
</script>`;
}

/**
 * A page that works on its own, offline: the libraries travel inside it and are handed to the view's
 * loaders as blob URLs. three.module.js imports three.core.js by a relative path, which a blob cannot
 * resolve, so that import is pointed at the core's blob.
 */
export function standalonePage(title: string, body: string, read: (file: string) => string): string {
  const needsPlotly = body.includes("plotly.min.js");
  const needsThree = body.includes("three.module.js");
  const lib = (file: string) => scriptJson(read(file));
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="margin:16px;font-family:sans-serif">
<script>
(function () {
  function url(code) { return URL.createObjectURL(new Blob([code], { type: "text/javascript" })); }
  window.__jovialAssets = {};
  ${needsPlotly ? `window.__jovialAssets["plotly.min.js"] = url(${lib("plotly.min.js")});` : ""}
  ${
    needsThree
      ? `var core = url(${lib("three.core.js")});
  window.__jovialAssets["three.module.js"] = url(${lib("three.module.js")}.split("'./three.core.js'").join(JSON.stringify(core)));`
      : ""
  }
})();
</script>
${body}
</body></html>
`;
}
