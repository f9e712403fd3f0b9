// Niivue rebuilds the 3D view's gradient volume (a blur and a Sobel pass over every voxel)
// each time the image's texture is rebuilt: on load and with every window change. Without
// a graphics card those two passes are about 5/6 of each rebuild (a 512×512×100 CT: 50 of
// 60 s on a busy machine), for a view that may not be on screen. While no 3D view is
// shown, the passes run with a flat shader (one constant per voxel, no texture reads) into
// textures one voxel wide (the full-size pair is 8 bytes a voxel: 1 GB for a 512×512×500
// CT, and the blur's is filled from a zero array of that size in the page), and the real
// gradients are computed when a 3D view is shown again.

const FLAT_VERTEX = `#version 300 es
layout(location = 0) in vec3 vPos;
void main() { gl_Position = vec4((vPos.xy - vec2(0.5)) * 2.0, 0.0, 1.0); }`;
const FLAT_FRAGMENT = `#version 300 es
precision highp float;
out vec4 FragColor;
void main() { FragColor = vec4(0.5, 0.5, 0.5, 0.0); }`;
// Niivue's shaders for the gradient passes (niivue/rendering/VolumeRenderer.ts gradientGL)
const PASSES = ["blurShader", "gradientPrePassShader", "sobelFirstOrderShader", "sobelSecondOrderShader"];
// the texture units of gradientGL's two textures (TEXTURE6_GRADIENT, TEXTURE8_GRADIENT_TEMP)
const GRADIENT_UNITS = new Set([0x84c6, 0x84c8]);

function compile(gl) {
  const program = gl.createProgram();
  for (const [type, source] of [[gl.VERTEX_SHADER, FLAT_VERTEX], [gl.FRAGMENT_SHADER, FLAT_FRAGMENT]]) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  return program;
}

/**
 * Defers `nv`'s gradient passes while `wanted()` is false. Returns `ensure()`, to call
 * before a 3D view is shown: it computes the gradients of the current texture if they
 * were deferred.
 */
export function deferGradients(nv, wanted) {
  if (PASSES.some((name) => !nv[name]) || typeof nv.gradientGL !== "function" || typeof nv.rgbaTex !== "function") {
    return () => {}; // another Niivue
  }
  const gl = nv.gl;
  const program = compile(gl);
  // no uniforms: Niivue's uniform calls on it get a null location, which WebGL ignores
  const flat = { program, uniforms: new Proxy({}, { get: () => null }), use: (gl) => gl.useProgram(program) };
  let stale = false;
  const rebuild = nv.refreshLayers.bind(nv);
  const rgbaTex = nv.rgbaTex.bind(nv);
  nv.refreshLayers = (volume, layer) => {
    if (layer !== 0 || wanted()) return rebuild(volume, layer);
    const real = PASSES.map((name) => nv[name]);
    PASSES.forEach((name) => { nv[name] = flat; });
    // one voxel wide and high, as deep as the volume: every slice the passes draw into exists
    nv.rgbaTex = (texture, unit, dims, init = false) =>
      rgbaTex(texture, unit, GRADIENT_UNITS.has(unit) ? [dims[0], 1, 1, dims[3]] : dims, init);
    // the passes check each slice's framebuffer, a round trip that waits for the GPU's
    // colour pass; the flat one cannot fail
    gl.checkFramebufferStatus = () => gl.FRAMEBUFFER_COMPLETE;
    try {
      return rebuild(volume, layer);
    } finally {
      PASSES.forEach((name, i) => { nv[name] = real[i]; });
      delete nv.rgbaTex;
      delete gl.checkFramebufferStatus;
      stale = true;
    }
  };
  return () => {
    if (!stale || !nv.volumes.length) return;
    stale = false;
    nv.gradientGL(nv.volumes[0].hdr);
  };
}
