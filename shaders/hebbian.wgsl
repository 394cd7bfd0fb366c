// Hebbian alignment of regularised learners (arXiv 2505.18069): one thread per (grid point, copy). Mirrors
// src/models/hebbian/cpu-engine.ts (advanceCopy, initialHebbianState, finishRecord) in f32 with the same Philox words:
// counter (step, copy, stream 11, block), four Gaussians per block by Box–Muller.
//
// Prepended by the host (src/models/hebbian/webgpu-engine.ts): shaders/philox.wgsl, shaders/common.wgsl, the struct
// Params and the constants
//   D, O (input, output dims), HS (student hidden, 1 for linear), HT (teacher hidden, 1 for linear), STUDENT / TEACHER
//   (0 linear, 1 tanh2), RULE (0 gradient, 1 random), B (batch), P (weights), P1 (layer-1 weights), NB_IN, NB_OUT,
//   NOISE_B0, NB_P1 (Philox block offsets), NOISE (what sigma perturbs: 0 parameters, 1 the learning signal, 2 the
//   student's inputs), EXTRA_B0 (first block of the gradient / input noise), THEORY (1: record the conditional theory), WS (work floats per thread),
//   REC (record length), NX, NO, NH, NT (private array sizes), WG.

const STREAM: u32 = 11u;
const INIT_STEP: u32 = 0xffffffffu;
const RANDOM_STEP: u32 = 0xfffffffeu;
// The fault flag F_NONFINITE comes from HEBBIAN_FLAG (src/models/hebbian/stats.ts) with the other constants.
const TWO_PI: f32 = 6.283185307179586;

// struct Params (the uniform block PR): generated from PARAMS in src/models/hebbian/webgpu-engine.ts; traj_offset is
// this batch's first (point, copy) pair in the run's flattened list.

@group(0) @binding(0) var<uniform> PR: Params;
@group(0) @binding(1) var<storage, read> teacher: array<f32>;     // A1 (or W*) row-major, then A2
@group(0) @binding(2) var<storage, read> gridv: array<f32>;       // [point * 2 + {sigma, gamma}] of the run's points
@group(0) @binding(3) var<storage, read_write> vbuf: array<f32>;  // [tid * P + p] weights v
// [tid * WS + {w: 0, S: P, H: 2P, R: 3P (rule random)} + p], then the summed S and H at SUMB and SUMB + P
@group(0) @binding(4) var<storage, read_write> work: array<f32>;
@group(0) @binding(5) var<storage, read_write> rec: array<f32>;   // [(tid * n_slots + c) * REC + k]
@group(0) @binding(6) var<storage, read_write> flagsb: array<u32>; // [tid]

fn gauss4(c0: u32, c1: u32, j: u32) -> vec4<f32> {
  let r = philox4x32_10(vec4<u32>(c0, c1, STREAM, j), PR.key);
  let r0 = sqrt(-2.0 * log(u32_to_uniform(r.x)));
  let t0 = TWO_PI * u32_to_uniform(r.y);
  let r1 = sqrt(-2.0 * log(u32_to_uniform(r.z)));
  let t1 = TWO_PI * u32_to_uniform(r.w);
  return vec4<f32>(r0 * cos(t0), r0 * sin(t0), r1 * cos(t1), r1 * sin(t1));
}

// weights of layer `li` (offset off, count cnt, fan-in cols): dst[base + p] = scale / sqrt(cols) * gaussian
fn fill_layer(c0: u32, c1: u32, block0: u32, off: u32, cnt: u32, scale: f32, dst_base: u32, to_work: bool) {
  for (var j = 0u; j * 4u < cnt; j++) {
    let g = gauss4(c0, c1, block0 + j);
    for (var l = 0u; l < 4u; l++) {
      let i = j * 4u + l;
      if (i < cnt) {
        if (to_work) { work[dst_base + off + i] = scale * g[l]; } else { vbuf[dst_base + off + i] = scale * g[l]; }
      }
    }
  }
}

fn init_copy(tid: u32, t: u32) {
  let vb = tid * P;
  fill_layer(INIT_STEP, t, 0u, 0u, P1, PR.init_scale / sqrt(f32(D)), vb, false);
  if (STUDENT == 1u) { fill_layer(INIT_STEP, t, NB_P1, P1, P - P1, PR.init_scale / sqrt(f32(HS)), vb, false); }
  if (RULE == 1u) {
    let rb = tid * WS + 3u * P;
    fill_layer(RANDOM_STEP, t, 0u, 0u, P1, PR.random_scale / sqrt(f32(D)), rb, true);
    if (STUDENT == 1u) { fill_layer(RANDOM_STEP, t, NB_P1, P1, P - P1, PR.random_scale / sqrt(f32(HS)), rb, true); }
  }
  for (var c = 0u; c < PR.n_slots * REC; c++) { rec[tid * PR.n_slots * REC + c] = 0.0; }
  for (var p = 0u; p < 2u * P; p++) { work[tid * WS + SUMB + p] = 0.0; }
  flagsb[tid] = 0u;
}

fn finish_copy(tid: u32) {
  let o = (tid * PR.n_slots + PR.slot) * REC;
  for (var k = 0u; k < REC; k++) { rec[o + k] = rec[o + k] * PR.inv_window; }
  var vv = 0.0;
  var fl = flagsb[tid];
  for (var p = 0u; p < P; p++) {
    let x = vbuf[tid * P + p];
    if (!is_finite(x)) { fl |= F_NONFINITE; }
    vv += x * x;
  }
  rec[o + 6u] = vv;
  flagsb[tid] = fl;
  // the window-summed cosine cos(sum S, sum H) per layer (finishRecord in cpu-engine.ts); the sums restart
  let sb = tid * WS + SUMB;
  var ip = 0.0;
  var ss = 0.0;
  var hh = 0.0;
  for (var p = 0u; p < P; p++) {
    let sv = work[sb + p];
    let hv = work[sb + P + p];
    ip += sv * hv;
    ss += sv * sv;
    hh += hv * hv;
    work[sb + p] = 0.0;
    work[sb + P + p] = 0.0;
    if (p + 1u == P1 || p + 1u == P) {
      let li = select(1u, 0u, p + 1u == P1);
      let den = sqrt(ss * hh);
      rec[o + 7u + li] = select(0.0, ip / den, den > 0.0);
      ip = 0.0;
      ss = 0.0;
      hh = 0.0;
    }
  }
}

fn step_copy(tid: u32, t: u32, sigma: f32, gamma: f32) {
  let vb = tid * P;
  let wb = tid * WS;
  let sb = wb + P;
  let hb = wb + 2u * P;
  let invB = 1.0 / f32(B);
  let decay = 1.0 - PR.eta * gamma;
  var x: array<f32, NX>;
  var y: array<f32, NO>;
  var outv: array<f32, NO>;
  var e: array<f32, NO>;
  var z: array<f32, NH>;
  var a: array<f32, NH>;
  var d1: array<f32, NH>;
  var th: array<f32, NT>;
  for (var n = PR.n0; n < PR.n1; n++) {
    let summed = n >= PR.sum_from;
    // H is computed in measured and in summed steps; the per-step record only in measured ones
    let measure = n >= PR.measure_from || summed;
    let record = n >= PR.measure_from;
    // 1. noisy weights w = v + sigma * eps
    if (NOISE == 0u && sigma > 0.0) {
      for (var j = 0u; j * 4u < P1; j++) {
        let g = gauss4(n, t, NOISE_B0 + j);
        for (var l = 0u; l < 4u; l++) {
          let p = j * 4u + l;
          if (p < P1) { work[wb + p] = vbuf[vb + p] + sigma * g[l]; }
        }
      }
      if (STUDENT == 1u) {
        for (var j = 0u; j * 4u < P - P1; j++) {
          let g = gauss4(n, t, NOISE_B0 + NB_P1 + j);
          for (var l = 0u; l < 4u; l++) {
            let p = j * 4u + l;
            if (p < P - P1) { work[wb + P1 + p] = vbuf[vb + P1 + p] + sigma * g[l]; }
          }
        }
      }
    } else {
      for (var p = 0u; p < P; p++) { work[wb + p] = vbuf[vb + p]; }
    }
    for (var p = 0u; p < P; p++) {
      work[sb + p] = 0.0;
      if (measure) { work[hb + p] = 0.0; }
    }
    var loss = 0.0;
    // 2. the batch
    for (var b = 0u; b < B; b++) {
      for (var j = 0u; j < NB_IN; j++) {
        let g = gauss4(n, t, b * NB_IN + j);
        x[j * 4u] = g.x;
        x[j * 4u + 1u] = g.y;
        x[j * 4u + 2u] = g.z;
        x[j * 4u + 3u] = g.w;
      }
      if (TEACHER == 0u) {
        for (var o = 0u; o < O; o++) {
          var acc = 0.0;
          for (var c = 0u; c < D; c++) { acc += teacher[o * D + c] * x[c]; }
          y[o] = acc;
        }
      } else {
        for (var k = 0u; k < HT; k++) {
          var acc = 0.0;
          for (var c = 0u; c < D; c++) { acc += teacher[k * D + c] * x[c]; }
          th[k] = tanh(acc);
        }
        for (var o = 0u; o < O; o++) {
          var acc = 0.0;
          for (var k = 0u; k < HT; k++) { acc += teacher[HT * D + o * HT + k] * th[k]; }
          y[o] = acc;
        }
      }
      if (PR.label_noise > 0.0) {
        for (var j = 0u; j < NB_OUT; j++) {
          let g = gauss4(n, t, B * NB_IN + b * NB_OUT + j);
          for (var l = 0u; l < 4u; l++) {
            let o = j * 4u + l;
            if (o < O) { y[o] += PR.label_noise * g[l]; }
          }
        }
      }
      // input noise: the student sees x + sigma * nu (the teacher labelled the clean x)
      if (NOISE == 2u && sigma > 0.0) {
        for (var j = 0u; j < NB_IN; j++) {
          let g = gauss4(n, t, EXTRA_B0 + b * NB_IN + j);
          for (var l = 0u; l < 4u; l++) {
            let c = j * 4u + l;
            if (c < D) { x[c] += sigma * g[l]; }
          }
        }
      }
      // student forward with the noisy weights
      if (STUDENT == 0u) {
        for (var o = 0u; o < O; o++) {
          var acc = 0.0;
          for (var c = 0u; c < D; c++) { acc += work[wb + o * D + c] * x[c]; }
          outv[o] = acc;
        }
      } else {
        for (var k = 0u; k < HS; k++) {
          var acc = 0.0;
          for (var c = 0u; c < D; c++) { acc += work[wb + k * D + c] * x[c]; }
          z[k] = acc;
          a[k] = tanh(acc);
        }
        for (var o = 0u; o < O; o++) {
          var acc = 0.0;
          for (var k = 0u; k < HS; k++) { acc += work[wb + P1 + o * HS + k] * a[k]; }
          outv[o] = acc;
        }
      }
      var l2 = 0.0;
      for (var o = 0u; o < O; o++) {
        e[o] = outv[o] - y[o];
        l2 += e[o] * e[o];
      }
      loss += 0.5 * l2 * invB;
      if (STUDENT == 0u) {
        for (var o = 0u; o < O; o++) {
          for (var c = 0u; c < D; c++) {
            if (RULE == 0u) { work[sb + o * D + c] -= invB * e[o] * x[c]; }
            if (measure) { work[hb + o * D + c] += invB * outv[o] * x[c]; }
          }
        }
      } else {
        if (RULE == 0u) {
          for (var k = 0u; k < HS; k++) {
            var acc = 0.0;
            for (var o = 0u; o < O; o++) { acc += work[wb + P1 + o * HS + k] * e[o]; }
            d1[k] = acc * (1.0 - a[k] * a[k]);
          }
        }
        for (var o = 0u; o < O; o++) {
          for (var k = 0u; k < HS; k++) {
            if (RULE == 0u) { work[sb + P1 + o * HS + k] -= invB * e[o] * a[k]; }
            if (measure) { work[hb + P1 + o * HS + k] += invB * outv[o] * a[k]; }
          }
        }
        for (var k = 0u; k < HS; k++) {
          for (var c = 0u; c < D; c++) {
            if (RULE == 0u) { work[sb + k * D + c] -= invB * d1[k] * x[c]; }
            if (measure) { work[hb + k * D + c] += invB * z[k] * x[c]; }
          }
        }
      }
    }
    // 3. random rule: the fixed direction
    if (RULE == 1u) {
      for (var p = 0u; p < P; p++) { work[sb + p] = work[wb + 3u * P + p]; }
    }
    // gradient noise: S += sigma * zeta
    if (NOISE == 1u && sigma > 0.0) {
      for (var j = 0u; j * 4u < P1; j++) {
        let g = gauss4(n, t, EXTRA_B0 + j);
        for (var l = 0u; l < 4u; l++) {
          let p = j * 4u + l;
          if (p < P1) { work[sb + p] += sigma * g[l]; }
        }
      }
      if (STUDENT == 1u) {
        for (var j = 0u; j * 4u < P - P1; j++) {
          let g = gauss4(n, t, EXTRA_B0 + NB_P1 + j);
          for (var l = 0u; l < 4u; l++) {
            let p = j * 4u + l;
            if (p < P - P1) { work[sb + P1 + p] += sigma * g[l]; }
          }
        }
      }
    }
    if (summed) {
      for (var p = 0u; p < P; p++) {
        work[wb + SUMB + p] += work[sb + p];
        work[wb + SUMB + P + p] += work[hb + p];
      }
    }
    // 4. measurement
    if (record) {
      let o = (tid * PR.n_slots + PR.slot) * REC;
      var ip = 0.0;
      var ss = 0.0;
      var hh = 0.0;
      for (var p = 0u; p < P; p++) {
        let sv = work[sb + p];
        let hv = work[hb + p];
        ip += sv * hv;
        ss += sv * sv;
        hh += hv * hv;
        if (p + 1u == P1 || p + 1u == P) {
          let li = select(1u, 0u, p + 1u == P1);
          let den = sqrt(ss * hh);
          rec[o + 2u * li] += ip;
          rec[o + 1u + 2u * li] += select(0.0, ip / den, den > 0.0);
          ip = 0.0;
          ss = 0.0;
          hh = 0.0;
        }
      }
      rec[o + 4u] += loss;
      if (THEORY == 1u) {
        var vv = 0.0;
        var vw = 0.0;
        for (var p = 0u; p < P; p++) {
          let q = vbuf[vb + p];
          vv += q * q;
          vw += q * teacher[p];
        }
        if (NOISE == 0u) {
          rec[o + 5u] += -PR.kappa * (vv - vw + f32(O) * sigma * sigma * f32(D));
        } else if (NOISE == 1u) {
          rec[o + 5u] += -PR.kappa * (vv - vw);
        } else {
          let s2 = 1.0 + sigma * sigma;
          rec[o + 5u] += -PR.kappa * s2 * s2 * (vv - vw / s2);
        }
      }
    }
    // 5. update
    for (var p = 0u; p < P; p++) { vbuf[vb + p] = decay * vbuf[vb + p] + PR.eta * work[sb + p]; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let tid = gid.x;
  if (tid >= PR.n_active) { return; }
  let flat = PR.traj_offset + tid;
  let gi = flat / PR.n_copies;
  let t = PR.copy_start + flat % PR.n_copies;
  if (PR.mode == 2u) { init_copy(tid, t); } else if (PR.mode == 1u) { finish_copy(tid); } else {
    step_copy(tid, t, gridv[gi * 2u], gridv[gi * 2u + 1u]);
  }
}
