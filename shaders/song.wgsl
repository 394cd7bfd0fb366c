// Model B (Song, Miller & Abbott 2000): one thread per copy, time-stepped at dt, weights, presynaptic traces and
// last-spike steps of the N inputs in storage buffers. Mirrors src/models/song/cpu-engine.ts (advanceSong, weightStats,
// initialSongState) line by line, in f32. Philox counter (step, copy, stream 9, block).
//
// Prepended by the host (src/models/song/webgpu-engine.ts): shaders/philox.wgsl, shaders/common.wgsl, the struct
// Params and the constants N (inputs), NP (N rounded up to UNROLL), UNROLL (8), LAYOUT (0: copy-major
// w[t * NP + i], 1: input-major w[i * n_active + t]), KMAX (entries of the Binomial CDF), METHOD (0 euler,
// 1 exponential), WG, BINS (10).

const STREAM: u32 = 9u;
const INIT_STEP: u32 = 0xffffffffu;
const NONE: u32 = 0xffffffffu;
// The fault flags F_NONFINITE, F_NEG_GE, F_NEG_APRE, F_POS_APOST, F_W_BOUNDS, F_INTERVAL come from SONG_FLAG
// (src/models/song/stats.ts) with the other constants.

// struct Params (the uniform block P): generated from PARAMS in src/models/song/webgpu-engine.ts.

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> scal: array<f32>;    // [t * 4 + {v, ge, apost, -}]
@group(0) @binding(2) var<storage, read_write> mstate: array<u32>;    // [t * 4 + {flags, last output step, #in, #out captured}]
@group(0) @binding(3) var<storage, read_write> wbuf: array<f32>;    // weights (LAYOUT)
@group(0) @binding(4) var<storage, read_write> apre: array<f32>;    // A_pre,i at input i's last spike (LAYOUT)
@group(0) @binding(5) var<storage, read_write> lastsp: array<u32>;    // input i's last spike step, NONE before (LAYOUT)
@group(0) @binding(6) var<storage, read_write> counts: array<u32>;  // [t * windows + w] output spikes
@group(0) @binding(7) var<storage, read_write> outs: array<u32>;    // [(t * n_slots + c) * (BINS + 1) + b], b = BINS: mean w (f32 bits)
@group(0) @binding(8) var<storage, read_write> cap: array<i32>;     // [t * 2 cap_in + 2 j + {step, input}], then [n_active * 2 cap_in + t * cap_out + j]

fn widx(t: u32, i: u32) -> u32 {
  if (LAYOUT == 0u) { return t * NP + i; }
  return i * P.n_active + t;
}

fn cdf_at(k: u32) -> f32 { return P.cdf[k >> 2u][k & 3u]; }

fn clip_w(x: f32) -> f32 { return min(max(x, 0.0), P.gmax); }

// Output spike at step n: every input potentiates by its decayed presynaptic trace (unrolled by UNROLL so that an
// output spike costs NP / UNROLL loop iterations of lavapipe's budget).
fn potentiate_one(t: u32, i: u32, n: u32) {
  let q = widx(t, i);
  let li = lastsp[q];
  if (li != NONE) {
    wbuf[q] = clip_w(wbuf[q] + apre[q] * exp(-f32(n - li) * P.pre_rate));
  }
}

fn step_copy(t: u32) {
  let traj = P.traj_offset + t;
  var v = scal[t * 4u];
  var ge = scal[t * 4u + 1u];
  var apost = scal[t * 4u + 2u];
  var flags = mstate[t * 4u];
  var last_out = mstate[t * 4u + 1u];
  var nin = mstate[t * 4u + 2u];
  var nout = mstate[t * 4u + 3u];
  let a = P.a;
  for (var n = P.n0; n < P.n1; n++) {
    // 1. state update
    if (METHOD == 0u) {
      v = v + a * (ge * (P.Ee - v) + P.El - v);
    } else {
      let g1 = 1.0 + ge;
      let vinf = (P.El + ge * P.Ee) / g1;
      v = vinf + (v - vinf) * exp(-a * g1);
    }
    ge = ge * P.ge_decay;
    apost = apost * P.post_decay;
    // 2. thresholds: K ~ Binomial(N, r dt) by inversion (the number of CDF entries below u)
    var r = philox4x32_10(vec4<u32>(n, traj, STREAM, 0u), P.key);
    let u = u32_to_uniform(r.x);
    var K = 0u;
    for (var k = 0u; k < KMAX; k++) { K += select(0u, 1u, u > cdf_at(k)); }
    let spiked = v > P.Vt;
    // 3. synapses: pre pathway, K distinct inputs in draw order
    var j = 1u;
    var c = 0u;
    loop {
      if (c >= K) { break; }
      if ((j & 3u) == 0u) { r = philox4x32_10(vec4<u32>(n, traj, STREAM, j >> 2u), P.key); }
      let i = mulhi32(r[j & 3u], N);
      j++;
      let q = widx(t, i);
      let li = lastsp[q];
      if (li == n) { continue; }
      c++;
      if (li != NONE && li >= n) { flags |= F_INTERVAL; }
      let w = wbuf[q];
      ge = ge + w;
      var ap = P.dApre;
      if (li != NONE) { ap = apre[q] * exp(-f32(n - li) * P.pre_rate) + P.dApre; }
      if (ap < 0.0) { flags |= F_NEG_APRE; }
      apre[q] = ap;
      lastsp[q] = n;
      wbuf[q] = clip_w(w + apost);
      if (nin < P.cap_in) {
        let o = (t * P.cap_in + nin) * 2u;
        cap[o] = i32(n);
        cap[o + 1u] = i32(i);
        nin++;
      }
    }
    // post pathway
    if (spiked) {
      if (last_out != NONE && last_out >= n) { flags |= F_INTERVAL; }
      last_out = n;
      apost = apost + P.dApost;
      for (var b = 0u; b < NP; b += UNROLL) {
        potentiate_one(t, b, n);
        potentiate_one(t, b + 1u, n);
        potentiate_one(t, b + 2u, n);
        potentiate_one(t, b + 3u, n);
        potentiate_one(t, b + 4u, n);
        potentiate_one(t, b + 5u, n);
        potentiate_one(t, b + 6u, n);
        potentiate_one(t, b + 7u, n);
      }
      counts[t * P.windows + n / P.steps_per_window] += 1u;
      if (nout < P.cap_out) {
        cap[P.n_active * 2u * P.cap_in + t * P.cap_out + nout] = i32(n);
        nout++;
      }
      // 4. reset
      v = P.Vr;
    }
    if (ge < 0.0) { flags |= F_NEG_GE; }
    if (apost > 0.0) { flags |= F_POS_APOST; }
  }
  if (!is_finite(v) || !is_finite(ge) || !is_finite(apost)) { flags |= F_NONFINITE; }
  scal[t * 4u] = v;
  scal[t * 4u + 1u] = ge;
  scal[t * 4u + 2u] = apost;
  mstate[t * 4u] = flags;
  mstate[t * 4u + 1u] = last_out;
  mstate[t * 4u + 2u] = nin;
  mstate[t * 4u + 3u] = nout;
}

fn init_copy(t: u32) {
  let traj = P.traj_offset + t;
  for (var b = 0u; b < NP; b += 4u) {
    let r = philox4x32_10(vec4<u32>(INIT_STEP, traj, STREAM, b >> 2u), P.key);
    for (var l = 0u; l < 4u; l++) {
      let i = b + l;
      let q = widx(t, i);
      wbuf[q] = select(0.0, u32_to_uniform(r[l]) * P.gmax, i < N);
      apre[q] = 0.0;
      lastsp[q] = NONE;
    }
  }
  scal[t * 4u] = P.v0;
  scal[t * 4u + 1u] = 0.0;
  scal[t * 4u + 2u] = 0.0;
  scal[t * 4u + 3u] = 0.0;
  mstate[t * 4u] = 0u;
  mstate[t * 4u + 1u] = NONE;
  mstate[t * 4u + 2u] = 0u;
  mstate[t * 4u + 3u] = 0u;
  for (var w = 0u; w < P.windows; w++) { counts[t * P.windows + w] = 0u; }
}

fn stats_copy(t: u32) {
  var h: array<u32, BINS>;
  for (var b = 0u; b < BINS; b++) { h[b] = 0u; }
  var sum = 0.0;
  var flags = mstate[t * 4u];
  for (var b = 0u; b < NP; b += 4u) {
    for (var l = 0u; l < 4u; l++) {
      let i = b + l;
      if (i < N) {
        let x = wbuf[widx(t, i)];
        if (!is_finite(x)) { flags |= F_NONFINITE; } else if (x < 0.0 || x > P.gmax) { flags |= F_W_BOUNDS; }
        let bin = u32(clamp(floor(x * f32(BINS) / P.gmax), 0.0, f32(BINS - 1u)));
        h[bin] += 1u;
        sum += x;
      }
    }
  }
  mstate[t * 4u] = flags;
  let o = (t * P.n_slots + P.slot) * (BINS + 1u);
  for (var b = 0u; b < BINS; b++) { outs[o + b] = h[b]; }
  outs[o + BINS] = bitcast<u32>(sum / f32(N));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= P.n_active) { return; }
  if (P.mode == 2u) { init_copy(t); } else if (P.mode == 1u) { stats_copy(t); } else { step_copy(t); }
}
