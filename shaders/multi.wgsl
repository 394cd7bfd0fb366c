// Several output neurons (arXiv 2505.10272, Section 4, Algorithms 1 and 2), one thread per trajectory, the m × d
// weights in a private array, many steps per dispatch, statistics reduced on the device at checkpoints. Mirrors
// src/models/multi/cpu-engine.ts (advanceMulti, weightsToP) and src/models/multi/stats.ts (reduceP) line by line, in f32.
//
// Prepended by the host (src/models/multi/webgpu-engine.ts): shaders/philox.wgsl, shaders/noise.wgsl,
// shaders/categorical.wgsl, shaders/reduce.wgsl, the struct Params and the constants
//   D (inputs), M (outputs), MD = M * D, WG (workgroup size), NV = 1 + MD (reduced float variables: E, then p_ji),
//   NOISE_LAW (0 uniform, 1 rademacher, 2 truncated normal), ALGO (1 or 2), PROJ (0 sequential, 1 orthogonal),
//   GS_EPS, NBINS, E_LO, E_LN_LO, E_SCALE.

// Counters per checkpoint: plateau[0..M], argmax[M * D] (output j on input i), then two order-preserving encodings
// of E >= 0 (its f32 bits): max of ~bits (the smallest E) and max of bits (the largest E). All start at 0.
const NCNT: u32 = M + 1u + MD + 2u;
const NO_SLOT: u32 = 0xffffffffu;

// struct Params (the uniform block P): generated from PARAMS in src/models/multi/webgpu-engine.ts.

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> w0: array<f32>;                   // [j * D + i], rows normalised
@group(0) @binding(2) var<storage, read_write> state: array<f32>;          // W[(j * D + i) * n_active + t]
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>; // [slot][NCNT]
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>;   // [slot][NBINS] of ln E
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;       // [slot][wg][NV][n, mean, M2]
@group(0) @binding(6) var<storage, read_write> paths: array<f32>;          // [slot][keep][MD]
@group(0) @binding(7) var<storage, read_write> draws: array<u32>;          // [(traj * draw_steps + k) * M + j]

// The thread's weights (row-major M x D, rows normalised to rates . w_j = 1) and the Gram-Schmidt basis.
var<private> W: array<f32, MD>;
var<private> Q: array<f32, MD>;

fn alpha_of(j: u32) -> f32 { return P.alpha[j >> 2u][j & 3u]; }
fn rate_of(i: u32) -> f32 { return P.rates[i >> 2u][i & 3u]; }
fn target_of(j: u32) -> u32 { return P.targets[j >> 2u][j & 3u]; }
fn period_end_of(j: u32) -> u32 { return P.period_end[j >> 2u][j & 3u]; }

fn err_bin(E: f32) -> u32 {
  if (!(E > E_LO)) { return 0u; }
  let b = floor((log(E) - E_LN_LO) * E_SCALE);
  return u32(clamp(b, 0.0, f32(NBINS - 1u)));
}

// Every loop inside the step loop has a constant trip count (variable bounds become `if ... break`), so that it
// can be unrolled: llvmpipe (lavapipe) stops a shader's loops after 65535 counted iterations, and loops with a
// variable bound, nested in the step loop, used that budget up within a few thousand steps.

// Gram-Schmidt basis of rows 0..n-1 of W into Q (a dependent row gets a zero vector).
fn gram_schmidt(n: u32) {
  for (var l = 0u; l < M - 1u; l++) {
    if (l >= n) { break; }
    var ww = 0.0;
    for (var i = 0u; i < D; i++) {
      Q[l * D + i] = W[l * D + i];
      ww += W[l * D + i] * W[l * D + i];
    }
    for (var r = 0u; r < M - 1u; r++) {
      if (r >= l) { break; }
      var c = 0.0;
      for (var i = 0u; i < D; i++) { c += Q[l * D + i] * Q[r * D + i]; }
      for (var i = 0u; i < D; i++) { Q[l * D + i] -= c * Q[r * D + i]; }
    }
    var nn = 0.0;
    for (var i = 0u; i < D; i++) { nn += Q[l * D + i] * Q[l * D + i]; }
    let inv = select(0.0, inverseSqrt(nn), nn > GS_EPS * ww);
    for (var i = 0u; i < D; i++) { Q[l * D + i] *= inv; }
  }
}

// Update output j at step k (rows l < j of W still hold w_l(k)); returns zeta_j.
fn update_output(j: u32, k: u32, traj: u32) -> u32 {
  let o = j * D;
  var r = philox4x32_10(vec4<u32>(k, traj, j, 0u), P.key);
  var a: array<f32, D>;
  var S = 0.0;
  for (var i = 0u; i < D; i++) {
    a[i] = rate_of(i) * W[o + i];
    S += a[i];
  }
  // Categorical draw by inversion (categorical.wgsl).
  let zeta = categorical(&a, S, u32_to_uniform(r.x));
  let alpha = alpha_of(j);
  var delta: array<f32, D>;
  for (var i = 0u; i < D; i++) {
    let nn = i + 1u;
    if ((nn & 3u) == 0u) { r = philox4x32_10(vec4<u32>(k, traj, j, nn >> 2u), P.key); }
    let z = noise(u32_to_uniform(r[nn & 3u]));
    delta[i] = alpha * W[o + i] * (select(0.0, 1.0, i == zeta) + z);
  }
  if (PROJ == 0u) {
    for (var l = 0u; l < M - 1u; l++) {
      if (l >= j) { break; }
      var dw = 0.0;
      var ww = 0.0;
      for (var i = 0u; i < D; i++) {
        dw += delta[i] * W[l * D + i];
        ww += W[l * D + i] * W[l * D + i];
      }
      if (ww > 0.0) {
        let c = dw / ww;
        for (var i = 0u; i < D; i++) { delta[i] -= c * W[l * D + i]; }
      }
    }
  } else {
    for (var l = 0u; l < M - 1u; l++) {
      if (l >= j) { break; }
      var c = 0.0;
      for (var i = 0u; i < D; i++) { c += delta[i] * Q[l * D + i]; }
      for (var i = 0u; i < D; i++) { delta[i] -= c * Q[l * D + i]; }
    }
  }
  var S2 = 0.0;
  for (var i = 0u; i < D; i++) {
    let v = max(W[o + i] + delta[i], 0.0);
    W[o + i] = v;
    S2 += rate_of(i) * v;
  }
  if (S2 > 0.0) {
    let inv = 1.0 / S2;
    for (var i = 0u; i < D; i++) { W[o + i] *= inv; }
  }
  return zeta;
}

fn record_draw(t: u32, k: u32, j: u32, zeta: u32) {
  if (k < P.draw_steps) { draws[((P.draw_base + t) * P.draw_steps + k) * M + j] = zeta; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let t = gid.x;
  let n = P.n_active;
  let live = t < n;
  let traj = P.traj_offset + t;
  if (live) {
    for (var q = 0u; q < MD; q++) {
      W[q] = select(state[q * n + t], w0[q], P.fresh == 1u);
    }
    for (var s = 0u; s < P.n_steps; s++) {
      let k = P.k0 + s;
      if (ALGO == 1u) {
        if (PROJ == 1u && M > 1u) { gram_schmidt(M - 1u); }
        for (var jj = 0u; jj < M; jj++) {
          let j = M - 1u - jj;
          let z = update_output(j, k, traj);
          record_draw(t, k, j, z);
        }
      } else {
        var j = M;
        for (var l = M; l > 0u; l--) {
          if (k < period_end_of(l - 1u)) { j = l - 1u; }
        }
        if (j < M) {
          if (PROJ == 1u && j > 0u) { gram_schmidt(j); }
          let z = update_output(j, k, traj);
          record_draw(t, k, j, z);
        }
      }
    }
    for (var q = 0u; q < MD; q++) { state[q * n + t] = W[q]; }
  }

  if (P.stats_slot == NO_SLOT) { return; }
  let slot = P.stats_slot;

  // Per-trajectory reduction (multi-stats.ts reduceP): p_ji, E = ||P - Pi||^2 / 2 without cancellation, argmax per
  // output, the number of misplaced outputs.
  var p: array<f32, MD>;
  var E = 0.0;
  var misplaced = 0u;
  var am: array<u32, M>;
  if (live) {
    for (var j = 0u; j < M; j++) {
      var S = 0.0;
      for (var i = 0u; i < D; i++) {
        p[j * D + i] = rate_of(i) * W[j * D + i];
        S += p[j * D + i];
      }
      let tj = target_of(j);
      var g = 0.0;
      var sq = 0.0;
      var a = 0u;
      for (var i = 0u; i < D; i++) {
        let v = select(1.0 / f32(D), p[j * D + i] / S, S > 0.0);
        p[j * D + i] = v;
        if (v > p[j * D + a]) { a = i; }
        if (i != tj) {
          g += v;
          sq += v * v;
        }
      }
      E += 0.5 * (g * g + sq);
      am[j] = a;
      if (a != tj) { misplaced += 1u; }
    }
  }

  // Counts: workgroup atomics, then one global atomic per counter (reduce.wgsl).
  counts_begin(lid);
  if (live) {
    atomicAdd(&wcnt[misplaced], 1u);
    for (var j = 0u; j < M; j++) { atomicAdd(&wcnt[M + 1u + j * D + am[j]], 1u); }
    atomicAdd(&hist[slot * NBINS + err_bin(E)], 1u);
    let eb = bitcast<u32>(max(E, 0.0));
    atomicMax(&wcnt[M + 1u + MD], ~eb);
    atomicMax(&wcnt[M + 2u + MD], eb);
    if (traj < P.keep_paths) {
      for (var q = 0u; q < MD; q++) { paths[(slot * P.keep_paths + traj) * MD + q] = p[q]; }
    }
  }
  counts_end(lid, slot);

  // Moments per workgroup over the live lanes (reduce.wgsl).
  for (var v = 0u; v < NV; v++) {
    var val = 0.0;
    if (live) {
      if (v == 0u) { val = E; } else { val = p[v - 1u]; }
    }
    reduce_moments(v, val, live, lid, wid.x, slot);
  }
}
