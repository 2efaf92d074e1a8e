/**
 * The JavaScript that draws a view in the notebook's page. The libraries (plotly.js, three.js) come
 * from the kernelspec's own folder, which every Jupyter server serves at /kernelspecs/<name>/, so
 * views work offline, behind JupyterHub's base URL, in the classic notebook and in JupyterLab.
 */

/** The kernelspec whose folder holds the libraries: the running kernel's, or "jovial". */
function kernelName(): string {
  return process.env.JOVIAL_KERNEL_NAME || "jovial";
}

/** A script expression giving the URL of a file in the kernelspec folder. */
function assetUrl(file: string): string {
  return `((document.body && document.body.dataset.baseUrl) || (JSON.parse((document.getElementById("jupyter-config-data") || {}).textContent || "{}").baseUrl) || "/").replace(/\\/?$/, "/") + "kernelspecs/${kernelName()}/${file}"`;
}

/** JSON that is safe inside a <script>: `</script>` in a FITS header must not end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

let counter = 0;
export function elementId(): string {
  return `jovial-view-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/**
 * Loads plotly.js once per page. The classic notebook has require.js's `define` on the page, which
 * would make plotly register as an AMD module instead of `window.Plotly`: hide it while loading.
 */
export function plotlyHtml(id: string, figure: unknown, height: number): string {
  return `<div id="${id}" style="width:100%;height:${height}px"></div>
<script>
(function () {
  var figure = ${scriptJson(figure)};
  function draw() { window.Plotly.newPlot("${id}", figure.data, figure.layout, { responsive: true }); }
  if (window.Plotly) return draw();
  window.__jovialPlotly = window.__jovialPlotly || new Promise(function (resolve, reject) {
    var define = window.define; window.define = undefined;
    var s = document.createElement("script");
    s.src = ${assetUrl("plotly.min.js")};
    s.onload = function () { window.define = define; resolve(); };
    s.onerror = function () { window.define = define; reject(new Error("plotly.js did not load from " + s.src)); };
    document.head.appendChild(s);
  });
  window.__jovialPlotly.then(draw, function (e) { document.getElementById("${id}").textContent = e.message; });
})();
</script>`;
}

/** A ray-marched maximum-intensity projection of the volume; drag to turn it. */
export function volumeHtml(id: string, volume: { data: Uint8Array; width: number; height: number; depth: number; title: string; low: number; high: number; unit: string }): string {
  const b64 = Buffer.from(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength).toString("base64");
  return `<div id="${id}" style="width:100%;height:480px;position:relative;background:#000"><div style="position:absolute;left:8px;top:6px;color:#ddd;font:12px sans-serif">${volume.title.replace(/[<&]/g, "")} — ${volume.low.toPrecision(3)} to ${volume.high.toPrecision(3)} ${volume.unit.replace(/[<&]/g, "")} (drag to turn)</div></div>
<script>
(async function () {
  var root = document.getElementById("${id}");
  try {
    var THREE = await import(${assetUrl("three.module.js")});
    var w = ${volume.width}, h = ${volume.height}, d = ${volume.depth};
    var bytes = Uint8Array.from(atob("${b64}"), function (c) { return c.charCodeAt(0); });
    var texture = new THREE.Data3DTexture(bytes, w, h, d);
    texture.format = THREE.RedFormat; texture.minFilter = texture.magFilter = THREE.LinearFilter; texture.unpackAlignment = 1; texture.needsUpdate = true;
    var renderer = new THREE.WebGLRenderer({ antialias: true });
    renderer.setPixelRatio(window.devicePixelRatio);
    renderer.setSize(root.clientWidth, root.clientHeight);
    renderer.domElement.dataset.volume = "${id}";
    root.appendChild(renderer.domElement);
    var scene = new THREE.Scene();
    var camera = new THREE.PerspectiveCamera(35, root.clientWidth / root.clientHeight, 0.01, 100);
    camera.position.set(0, 0, 3.2);
    var size = new THREE.Vector3(w, h, d); size.divideScalar(Math.max(w, h, d));
    var material = new THREE.ShaderMaterial({
      glslVersion: THREE.GLSL3, side: THREE.BackSide, transparent: true,
      uniforms: { volume: { value: texture }, size: { value: size }, steps: { value: 256 } },
      vertexShader: "out vec3 vOrigin; out vec3 vDirection; uniform vec3 size;" +
        "void main() { vOrigin = vec3(inverse(modelMatrix) * vec4(cameraPosition, 1.0)) / size; vDirection = position / size - vOrigin;" +
        " gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0); }",
      fragmentShader: "precision highp float; precision highp sampler3D; in vec3 vOrigin; in vec3 vDirection; out vec4 color;" +
        "uniform sampler3D volume; uniform float steps;" +
        "vec2 hitBox(vec3 o, vec3 dir) { vec3 inv = 1.0 / dir; vec3 a = (vec3(-0.5) - o) * inv; vec3 b = (vec3(0.5) - o) * inv;" +
        " vec3 lo = min(a, b); vec3 hi = max(a, b); return vec2(max(max(lo.x, lo.y), lo.z), min(min(hi.x, hi.y), hi.z)); }" +
        "vec3 ramp(float t) { return clamp(vec3(1.5 * t - 0.2, 1.8 * t * t, 0.45 + 0.6 * sin(3.1 * t)), 0.0, 1.0); }" +
        "void main() { vec3 dir = normalize(vDirection); vec2 b = hitBox(vOrigin, dir); if (b.x > b.y) discard; b.x = max(b.x, 0.0);" +
        " float dt = (b.y - b.x) / steps; float m = 0.0; vec3 p = vOrigin + b.x * dir;" +
        " for (float t = b.x; t < b.y; t += dt) { m = max(m, texture(volume, p + 0.5).r); p += dir * dt; }" +
        " if (m <= 0.0) discard; color = vec4(ramp(m), m); }",
    });
    var mesh = new THREE.Mesh(new THREE.BoxGeometry(size.x, size.y, size.z), material);
    mesh.rotation.set(-0.5, 0.6, 0);
    scene.add(mesh);
    var drag = null;
    renderer.domElement.addEventListener("pointerdown", function (e) { drag = [e.clientX, e.clientY]; });
    window.addEventListener("pointerup", function () { drag = null; });
    renderer.domElement.addEventListener("pointermove", function (e) {
      if (!drag) return;
      mesh.rotation.y += (e.clientX - drag[0]) * 0.01; mesh.rotation.x += (e.clientY - drag[1]) * 0.01;
      drag = [e.clientX, e.clientY]; renderer.render(scene, camera);
    });
    renderer.render(scene, camera);
  } catch (e) {
    root.insertAdjacentHTML("beforeend", "<pre style='color:#f88;margin:28px 8px'>" + String(e && e.message || e) + "</pre>");
  }
})();
</script>`;
}

/** Files the kernelspec folder must hold for views, relative to the packages that ship them. */
export const BROWSER_ASSETS: Array<{ pkg: string; file: string; as: string }> = [
  { pkg: "plotly.js-dist-min", file: "plotly.min.js", as: "plotly.min.js" },
  { pkg: "three", file: "build/three.module.js", as: "three.module.js" },
  { pkg: "three", file: "build/three.core.js", as: "three.core.js" },
];
