// The reduced STDP chain (arXiv 2505.10272, Eq. 1-2) in log space, one thread per trajectory, state in registers,
// many steps per dispatch, ensemble statistics reduced on the device at checkpoints. Mirrors
// src/models/chain/chain-math.ts (advance, reduceState) line by line, in f32.
//
// Prepended by the host (src/models/chain/webgpu-engine.ts): shaders/philox.wgsl, shaders/noise.wgsl,
// shaders/categorical.wgsl, shaders/reduce.wgsl, the struct Params and the constants
//   D (inputs), WG (workgroup size), NV (reduced float variables: L, G, L and G on the success event, then
//   p_1..p_D when D <= 32),
//   NOISE_LAW (0 uniform, 1 rademacher, 2 truncated normal), NBINS, H_LO, H_SCALE, LOG_D0..LOG_D2.

// Counters per checkpoint: success, vertex[D], below delta[3], then two order-preserving encodings of -L >= 0
// (its f32 bits): max of ~bits (i.e. the largest L) and max of bits (the smallest L). All start at 0.
const NCNT: u32 = D + 6u;
const NO_SLOT: u32 = 0xffffffffu;

// struct Params (the uniform block P): generated from PARAMS in src/models/chain/webgpu-engine.ts.

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x0: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;          // x[i * n_active + t]
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>; // [slot][NCNT]
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>;   // [slot][NBINS] of ln(-L)
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;       // [slot][wg][NV][n, mean, M2]
@group(0) @binding(6) var<storage, read_write> paths: array<f32>;          // [slot][keep][D]

fn hist_bin(L: f32) -> u32 {
  let v = -L;
  if (!(v > 1e-8)) { return 0u; }
  let b = floor((log(v) - H_LO) * H_SCALE);
  return u32(clamp(b, 0.0, f32(NBINS - 1u)));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let t = gid.x;
  let n = P.n_active;
  let live = t < n;
  let traj = P.traj_offset + t;
  var x: array<f32, D>;
  if (live) {
    for (var i = 0u; i < D; i++) {
      x[i] = select(state[i * n + t], x0[i], P.fresh == 1u);
    }
    var e: array<f32, D>;
    for (var s = 0u; s < P.n_steps; s++) {
      let k = P.k0 + s;
      var S = 0.0;
      for (var i = 0u; i < D; i++) {
        e[i] = exp(x[i]);
        S += e[i];
      }
      var r = philox4x32_10(vec4<u32>(k, traj, 0u, 0u), P.key);
      // Categorical draw by inversion (categorical.wgsl): the first i with u0 * S < sum_{j<=i} e_j.
      let zeta = categorical(&e, S, u32_to_uniform(r.x));
      // Spikes of this step (chain-math.ts advanceExtended): one-hot B, or with correlated inputs S = C·B
      // (VARIANT 1: input i also fires with probability GAMMA[i][zeta], uniform i of stream 1) or the figure code's
      // independent B_i ~ Bernoulli(min((Cp)_i, 1)) with C_ij = 1[u < GAMMA[i][j]] (VARIANT 2: C from stream 2).
      var spk: array<f32, D>;
      for (var i = 0u; i < D; i++) {
        if (VARIANT == 0u) {
          spk[i] = select(0.0, 1.0, i == zeta);
        } else if (VARIANT == 1u) {
          let u1 = u32_to_uniform(philox4x32_10(vec4<u32>(k, traj, 1u, i >> 2u), P.key)[i & 3u]);
          spk[i] = select(0.0, 1.0, i == zeta || u1 < GAMMA[i * D + zeta]);
        } else {
          var cp = e[i] / S;
          for (var j = 0u; j < D; j++) {
            let idx = i * D + j;
            let u2 = u32_to_uniform(philox4x32_10(vec4<u32>(k, traj, 2u, idx >> 2u), P.key)[idx & 3u]);
            if (j != i && u2 < GAMMA[idx]) { cp += e[j] / S; }
          }
          let u1 = u32_to_uniform(philox4x32_10(vec4<u32>(k, traj, 1u, i >> 2u), P.key)[i & 3u]);
          spk[i] = select(0.0, 1.0, u1 < min(cp, 1.0));
        }
      }
      var m = -3.0e38;
      for (var i = 0u; i < D; i++) {
        let nn = i + 1u;
        if ((nn & 3u) == 0u) { r = philox4x32_10(vec4<u32>(k, traj, 0u, nn >> 2u), P.key); }
        let z = noise(u32_to_uniform(r[nn & 3u]));
        x[i] = x[i] + log1p_acc(P.alpha * (spk[i] + z));
        m = max(m, x[i]);
      }
      for (var i = 0u; i < D; i++) { x[i] = x[i] - m; }
      // Rate switches: after the update that produces step SW_STEP[w], x gains log(λ_new/λ_old) (p jumps, w does not).
      for (var w = 0u; w < NSW; w++) {
        if (k + 1u == SW_STEP[w]) {
          var m2 = -3.0e38;
          for (var i = 0u; i < D; i++) { x[i] = x[i] + SW_DLOG[w * D + i]; m2 = max(m2, x[i]); }
          for (var i = 0u; i < D; i++) { x[i] = x[i] - m2; }
        }
      }
    }
    for (var i = 0u; i < D; i++) { state[i * n + t] = x[i]; }
  }

  if (P.stats_slot == NO_SLOT) { return; }
  let slot = P.stats_slot;

  // Per-trajectory reduction (chain-math.ts reduceState): L = log(1 - p_{i*}) without cancellation.
  var p: array<f32, D>;
  var L = 0.0;
  var G = 0.0;
  var am = 0u;
  if (live) {
    var S = 0.0;
    var mo = -3.0e38;
    for (var i = 0u; i < D; i++) {
      p[i] = exp(x[i]);
      S += p[i];
      if (x[i] > x[am]) { am = i; }
      if (i != P.i_star && x[i] > mo) { mo = x[i]; }
    }
    for (var i = 0u; i < D; i++) { p[i] = p[i] / S; }
    let pI = p[P.i_star];
    if (pI < 0.5) {
      L = log1p_acc(-pI);
      G = 1.0 - pI;
    } else {
      var so = 0.0;
      for (var i = 0u; i < D; i++) {
        if (i != P.i_star) { so += exp(x[i] - mo); }
      }
      L = mo + log(so) - log(S);
      G = exp(L);
    }
  }

  // Counts: workgroup atomics, then one global atomic per counter (reduce.wgsl).
  counts_begin(lid);
  if (live) {
    if (am == P.i_star) { atomicAdd(&wcnt[0], 1u); }
    atomicAdd(&wcnt[1u + am], 1u);
    if (L < LOG_D0) { atomicAdd(&wcnt[1u + D], 1u); }
    if (L < LOG_D1) { atomicAdd(&wcnt[2u + D], 1u); }
    if (L < LOG_D2) { atomicAdd(&wcnt[3u + D], 1u); }
    atomicAdd(&hist[slot * NBINS + hist_bin(L)], 1u);
    let lbits = bitcast<u32>(max(-L, 0.0));
    atomicMax(&wcnt[4u + D], ~lbits);
    atomicMax(&wcnt[5u + D], lbits);
    if (traj < P.keep_paths) {
      for (var i = 0u; i < D; i++) { paths[(slot * P.keep_paths + traj) * D + i] = p[i]; }
    }
  }
  counts_end(lid, slot);

  // Moments per workgroup (reduce.wgsl) over the lanes that belong to each variable's event (all live lanes; for
  // L|success and G|success those with argmax = i*).
  let success = live && am == P.i_star;
  for (var v = 0u; v < NV; v++) {
    var val = 0.0;
    var inc = live;
    if (v == 0u) { val = L; } else if (v == 1u) { val = G; }
    else if (v == 2u) { val = L; inc = success; } else if (v == 3u) { val = G; inc = success; }
    else if (live) { val = p[v - 4u]; }
    reduce_moments(v, val, inc, lid, wid.x, slot);
  }
}
