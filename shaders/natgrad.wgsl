// Natural-gradient learning for a spiking neuron (Kreutzer, Senn & Petrovici 2022): one thread per learner, its
// per-input state in storage buffers (input-major: [i * n_active + t], neighbouring threads read neighbouring words).
// Mirrors src/models/natgrad/cpu-engine.ts (advanceNatgrad, checkpointStats, initialWeights) in f32.
// Philox counter (step, learner, stream 10, block): input i is word i & 3 of block i >> 2, block NB = ceil(N/4) holds
// the teacher's (word 0) and the student's (word 1) uniforms; initial weights (0xffffffff, t, 10, i >> 2), target
// weights (0xfffffffe, t, 10, i >> 2).
//
// Prepended by the host (src/models/natgrad/webgpu-engine.ts): shaders/philox.wgsl, shaders/common.wgsl, the struct
// Params and the constants N (inputs), NB (= ceil(N / 4)), NP (test patterns), NV, NS (table nodes), NF (fields per checkpoint), WG,
//   OFF_TABLE, OFF_PAT, OFF_AUTH (offsets in `consts`), NVA (variance slots of the authors' table), TEACHER_NEURON
//   (1: neuron teacher, 0: Poisson).

const STREAM: u32 = 10u;
const INIT_STEP: u32 = 0xffffffffu;
const TARGET_STEP: u32 = 0xfffffffeu;
// The fault flags F_NONFINITE, F_CLAMPED come from NATGRAD_FLAG (src/models/natgrad/stats.ts) with the constants.

// struct Params (the uniform block P): generated from PARAMS in src/models/natgrad/webgpu-engine.ts.

@group(0) @binding(0) var<uniform> P: Params;
// consts: [i * 4 + {p_in, alpha, 1/(r int eps^2), rate}] for i < N, then the table at OFF_TABLE
// ([(iv * NS + is) * 5 + k]), then the test patterns at OFF_PAT ([p * N + i]), then (only when an ensemble reads it)
// the authors' table at OFF_AUTH ([(i * NVA + j) * 5 + k], src/models/natgrad/authors-table.ts).
@group(0) @binding(1) var<storage, read> consts: array<f32>;
// state: dendritic w at [i * n + t], w* at N n + .., trace s at 2 N n + .., trace l at 3 N n + ..
@group(0) @binding(2) var<storage, read_write> st: array<f32>;
@group(0) @binding(3) var<storage, read_write> scal: array<f32>;   // [t * 4 + {m, sd, student spikes, teacher spikes}]
@group(0) @binding(4) var<storage, read_write> mst: array<u32>;   // [t * 4 + {flags, #inputs, #teacher, #student captured}]
@group(0) @binding(5) var<storage, read_write> outs: array<f32>;   // [(t * n_slots + c) * NF + f]
@group(0) @binding(6) var<storage, read_write> cap: array<i32>;    // inputs [t * 2 cap_in + 2 j + {step, i}], teacher, student

fn sidx(k: u32, i: u32, t: u32) -> u32 { return (k * N + i) * P.n_active + t; }

fn sigm(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

// Bilinear lookup of [gamma_s, g1, g2, g3, g4] at (m, sd) (lookupCoefficients in natgrad-coefficients.ts).
struct Coeffs { c: array<f32, 5>, clamped: bool }
fn lookup_coeffs(m: f32, sd: f32) -> Coeffs {
  var out: Coeffs;
  var x = (m - P.v_min) / P.v_step;
  var y = (sd - P.sd_min) / P.sd_step;
  out.clamped = false;
  if (!(x >= 0.0)) { x = 0.0; out.clamped = true; } else if (x > f32(NV - 1u)) { x = f32(NV - 1u); out.clamped = true; }
  if (!(y >= 0.0)) { y = 0.0; out.clamped = true; } else if (y > f32(NS - 1u)) { y = f32(NS - 1u); out.clamped = true; }
  let i0 = min(u32(floor(x)), NV - 2u);
  let j0 = min(u32(floor(y)), NS - 2u);
  let fx = x - f32(i0);
  let fy = y - f32(j0);
  let a = OFF_TABLE + (i0 * NS + j0) * 5u;
  let b = a + 5u;
  let c = a + NS * 5u;
  let d = c + 5u;
  for (var k = 0u; k < 5u; k = k + 1u) {
    out.c[k] = (1.0 - fx) * ((1.0 - fy) * consts[a + k] + fy * consts[b + k]) + fx * ((1.0 - fy) * consts[c + k] + fy * consts[d + k]);
  }
  return out;
}

// The authors' lookup (AuthorsTable.lookup in src/models/natgrad/authors-table.ts): the nearest lower node at mean
// index floor(4 (m + 15)) in 0..120 and variance index floor(2 (var - 1)) in 0..819 (their offset: node j holds
// variance 10 + j / 2, rows 802..819 are zero). var < 1 reads node 0 unflagged; a clamp or a zero row is flagged.
fn lookup_authors(m: f32, sd: f32) -> Coeffs {
  var out: Coeffs;
  out.clamped = false;
  let x = 4.0 * (m + 15.0);
  let y = 2.0 * (sd * sd - 1.0);
  var i = 0u;
  var j = 0u;
  if (!(x >= 0.0)) { out.clamped = true; } else if (x > 120.0) { i = 120u; out.clamped = true; } else { i = u32(floor(x)); }
  if (!(y >= 0.0)) { if (!is_finite(y)) { out.clamped = true; } } else if (y > f32(NVA - 1u)) { j = NVA - 1u; out.clamped = true; } else { j = u32(floor(y)); }
  if (j >= NVA_FILLED) { out.clamped = true; }
  let a = OFF_AUTH + (i * NVA + j) * 5u;
  for (var k = 0u; k < 5u; k = k + 1u) { out.c[k] = consts[a + k]; }
  return out;
}

fn moments(t: u32) {
  var m = 0.0;
  var v = 0.0;
  for (var i = 0u; i < N; i = i + 1u) {
    let w = consts[i * 4u + 1u] * st[sidx(0u, i, t)];
    let r = consts[i * 4u + 3u];
    m = m + w * r;
    v = v + w * w * r;
  }
  scal[t * 4u] = m;
  scal[t * 4u + 1u] = sqrt(P.int_eps_sq * v);
}

fn initialise(t: u32, gt: u32) {
  var words = vec4<u32>(0u);
  for (var i = 0u; i < N; i = i + 1u) {
    if ((i & 3u) == 0u) { words = philox4x32_10(vec4<u32>(INIT_STEP, gt, STREAM, i >> 2u), P.key); }
    let w0 = (P.w0_min + (P.w0_max - P.w0_min) * u32_to_uniform(words[i & 3u])) / f32(N);
    st[sidx(0u, i, t)] = w0 / consts[i * 4u + 1u];
    st[sidx(2u, i, t)] = 0.0;
    st[sidx(3u, i, t)] = 0.0;
  }
  for (var i = 0u; i < N; i = i + 1u) {
    if ((i & 3u) == 0u) { words = philox4x32_10(vec4<u32>(TARGET_STEP, gt, STREAM, i >> 2u), P.key); }
    var ws = 0.0;
    if (TEACHER_NEURON == 1u) { ws = (P.ws_min + (P.ws_max - P.ws_min) * u32_to_uniform(words[i & 3u])) / f32(N); }
    st[sidx(1u, i, t)] = ws;
  }
  scal[t * 4u + 2u] = 0.0;
  scal[t * 4u + 3u] = 0.0;
  mst[t * 4u] = 0u;
  mst[t * 4u + 1u] = 0u;
  mst[t * 4u + 2u] = 0u;
  mst[t * 4u + 3u] = 0u;
  moments(t);
}

fn step(t: u32, gt: u32, n: u32) {
  var words = vec4<u32>(0u);
  var V = 0.0;
  var Vt = 0.0;
  var Sx = 0.0;
  for (var i = 0u; i < N; i = i + 1u) {
    if ((i & 3u) == 0u) { words = philox4x32_10(vec4<u32>(n, gt, STREAM, i >> 2u), P.key); }
    var x = 0.0;
    if (u32_to_uniform(words[i & 3u]) < consts[i * 4u]) {
      x = 1.0;
      let ci = mst[t * 4u + 1u];
      if (ci < P.cap_in) {
        cap[t * 2u * P.cap_in + 2u * ci] = i32(n);
        cap[t * 2u * P.cap_in + 2u * ci + 1u] = i32(i);
        mst[t * 4u + 1u] = ci + 1u;
      }
    }
    let s = P.decay_s * st[sidx(2u, i, t)] + x;
    let l = P.decay_m * st[sidx(3u, i, t)] + x;
    st[sidx(2u, i, t)] = s;
    st[sidx(3u, i, t)] = l;
    let e = P.kscale * (l - s);
    V = V + consts[i * 4u + 1u] * st[sidx(0u, i, t)] * e;
    Vt = Vt + st[sidx(1u, i, t)] * e;
    Sx = Sx + e;
  }
  words = philox4x32_10(vec4<u32>(n, gt, STREAM, NB), P.key);
  var pT = P.teacher_p;
  if (TEACHER_NEURON == 1u) { pT = P.phi_dt * sigm(P.beta * (Vt - P.theta)); }
  var yT = 0.0;
  if (u32_to_uniform(words.x) < pT) {
    yT = 1.0;
    scal[t * 4u + 3u] = scal[t * 4u + 3u] + 1.0;
    let c = mst[t * 4u + 2u];
    if (c < P.cap_sp) { cap[P.n_active * 2u * P.cap_in + t * P.cap_sp + c] = i32(n); mst[t * 4u + 2u] = c + 1u; }
  }
  let sg = sigm(P.beta * (V - P.theta));
  if (u32_to_uniform(words.y) < P.phi_dt * sg) {
    scal[t * 4u + 2u] = scal[t * 4u + 2u] + 1.0;
    let c = mst[t * 4u + 3u];
    if (c < P.cap_sp) { cap[P.n_active * (2u * P.cap_in + P.cap_sp) + t * P.cap_sp + c] = i32(n); mst[t * 4u + 3u] = c + 1u; }
  }
  let f = (yT - P.phi_dt * sg) * (1.0 - sg);
  var m = 0.0;
  var v = 0.0;
  if (P.rule == 0u) {
    let a = P.eta * f;
    for (var i = 0u; i < N; i = i + 1u) {
      let al = consts[i * 4u + 1u];
      let e = P.kscale * (st[sidx(3u, i, t)] - st[sidx(2u, i, t)]);
      let wd = st[sidx(0u, i, t)] + a * al * e;
      st[sidx(0u, i, t)] = wd;
      let w = al * wd;
      let r = consts[i * 4u + 3u];
      m = m + w * r;
      v = v + w * w * r;
    }
  } else {
    var co: Coeffs;
    if (P.coeffs == 1u) { co = lookup_authors(scal[t * 4u], scal[t * 4u + 1u]); } else { co = lookup_coeffs(scal[t * 4u], scal[t * 4u + 1u]); }
    if (co.clamped) { mst[t * 4u] = mst[t * 4u] | F_CLAMPED; }
    var gu = 0.95 * P.c_eps;
    var gw = 0.05 * V;
    if (P.rule == 1u) {
      gu = -P.c_eps * (P.c_eps * co.c[1] * Sx + co.c[3] * V);
      gw = P.c_eps * co.c[2] * Sx + co.c[4] * V;
    }
    let a = P.eta * co.c[0] * f;
    for (var i = 0u; i < N; i = i + 1u) {
      let al = consts[i * 4u + 1u];
      let e = P.kscale * (st[sidx(3u, i, t)] - st[sidx(2u, i, t)]);
      let w0 = st[sidx(0u, i, t)];
      let wd = w0 + a * ((e * consts[i * 4u + 2u] - gu) / al + gw * w0);
      st[sidx(0u, i, t)] = wd;
      let w = al * wd;
      let r = consts[i * 4u + 3u];
      m = m + w * r;
      v = v + w * w * r;
    }
  }
  scal[t * 4u] = m;
  scal[t * 4u + 1u] = sqrt(P.int_eps_sq * v);
  if (!is_finite(V) || !is_finite(m)) { mst[t * 4u] = mst[t * 4u] | F_NONFINITE; }
}

fn checkpoint(t: u32) {
  var kl = 0.0;
  var se = 0.0;
  for (var p = 0u; p < NP; p = p + 1u) {
    var V = 0.0;
    var Vt = 0.0;
    for (var i = 0u; i < N; i = i + 1u) {
      let x = consts[OFF_PAT + p * N + i];
      V = V + consts[i * 4u + 1u] * st[sidx(0u, i, t)] * x;
      Vt = Vt + st[sidx(1u, i, t)] * x;
    }
    let s = sigm(P.beta * (V - P.theta));
    var sT = P.teacher_p / P.phi_dt;
    if (TEACHER_NEURON == 1u) { sT = sigm(P.beta * (Vt - P.theta)); }
    let q = P.phi_dt * s;
    let qT = P.phi_dt * sT;
    kl = kl + qT * log(qT / q) + (1.0 - qT) * log((1.0 - qT) / (1.0 - q));
    se = se + (s - sT) * (s - sT);
  }
  var dist = 0.0;
  var ms = 0.0;
  var mu = 0.0;
  var ns = 0.0;
  var nu = 0.0;
  for (var i = 0u; i < N; i = i + 1u) {
    let w = consts[i * 4u + 1u] * st[sidx(0u, i, t)];
    let d = w - st[sidx(1u, i, t)];
    dist = dist + d * d;
    if (consts[i * 4u + 3u] > 0.0) { ms = ms + w; ns = ns + 1.0; } else { mu = mu + w; nu = nu + 1.0; }
  }
  let o = (t * P.n_slots + P.slot) * NF;
  // Undefined fields (no target weights, no stimulated/unstimulated inputs, t = 0) are set to NaN by the host.
  outs[o] = kl / f32(NP);
  outs[o + 1u] = P.phi_max * sqrt(se / f32(NP));
  outs[o + 2u] = sqrt(dist);
  outs[o + 3u] = ms / max(ns, 1.0);
  outs[o + 4u] = mu / max(nu, 1.0);
  outs[o + 5u] = scal[t * 4u + 2u] / max(P.span, 1e-30);
  outs[o + 6u] = scal[t * 4u + 3u] / max(P.span, 1e-30);
  scal[t * 4u + 2u] = 0.0;
  scal[t * 4u + 3u] = 0.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= P.n_active) { return; }
  let gt = P.traj_offset + t;
  if (P.mode == 2u) { initialise(t, gt); return; }
  if (P.mode == 1u) { checkpoint(t); return; }
  for (var n = P.n0; n < P.n1; n = n + 1u) { step(t, gt, n); }
}
