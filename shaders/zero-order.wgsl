// Many small zero-order updates per learning opportunity (Christensen & Kallsen, arXiv 2309.05102; labelled
// reconstruction, MODEL-NOTES §2): one thread per replicate of one (d, n) grid point. Mirrors runCopy of
// src/models/zero-order/cpu-engine.ts in f32 with the same Philox words: update j of copy r reads counter
// (j, r, STREAM, block_base + b); ξ_i = A(2u − 1) from blocks b < NB; the Poisson waiting time from word 0 of block NB.
//
//   D = L(θ + ξ) − L(θ − ξ) (two-point) or L(θ + ξ) − L(θ) (one-point);  θ ← θ − step·D·ξ;
//   sup ← max(sup, ‖θ_{j−1} − Z(τ_j)‖, ‖θ_j − Z(τ_j)‖);  at a checkpoint t: ‖θ − Z(t)‖, sup, ‖∇L(θ)‖, L(θ).
//
// Prepended by src/models/zero-order/webgpu-engine.ts: shaders/philox.wgsl, shaders/common.wgsl, struct Params and
// the constants D, NB, LOSS (0 quadratic, 1 network), TWO_POINT, POISSON, M0, HN (hidden, ≥ 1), MO, P1 (= HN·M0),
// SAMPLES, NT (updates per opportunity), KOPP (opportunities), C (checkpoints), PP (path points), KEEP (copies with
// paths), NFLOW (last flow-grid row N), REC, STREAM, F_NONFINITE, F_EVENT_CAP.

const DONE: u32 = 0x80000000u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> flow: array<f32>;        // Z(j/n) at j·D, j ≤ NFLOW; then Z(t_c) at (NFLOW+1+c)·D
@group(0) @binding(2) var<storage, read> data: array<f32>;        // quadratic: h[D]; network: x[SAMPLES·M0], y[SAMPLES·MO]
@group(0) @binding(3) var<storage, read> ck: array<u32>;          // k_c [C], t_c bits [C], sample_c [C], path k [PP], path t bits [PP]
@group(0) @binding(4) var<storage, read_write> st: array<f32>;    // θ_i at i·n_active + tid, ξ_i at (D + i)·n_active + tid
@group(0) @binding(5) var<storage, read_write> cmeta: array<u32>;  // [tid·4 + {sup bits, τ bits, c | q << 16, flags}]
@group(0) @binding(6) var<storage, read_write> rec: array<f32>;   // [(tid·C + c)·REC + {err, sup, grad, loss}]
@group(0) @binding(7) var<storage, read_write> paths: array<f32>; // [tid·PP + q] for copies < KEEP

var<private> act: array<f32, HN>;
var<private> dz: array<f32, HN>;

fn th_at(i: u32, tid: u32) -> u32 { return i * P.n_active + tid; }
fn xi_at(i: u32, tid: u32) -> u32 { return (D + i) * P.n_active + tid; }

// tanh with its argument clamped (|z| ≤ 20: tanh is 1 to f32 and f64 precision there; avoids exp overflow).
fn tanh_c(z: f32) -> f32 { return tanh(clamp(z, -20.0, 20.0)); }

// Network loss of θ + sign·ξ on sample k.
fn net_loss(tid: u32, sign: f32, k: u32) -> f32 {
  for (var j = 0u; j < HN; j++) {
    var z = 0.0;
    for (var i = 0u; i < M0; i++) {
      let w = j * M0 + i;
      z += (st[th_at(w, tid)] + sign * st[xi_at(w, tid)]) * data[k * M0 + i];
    }
    act[j] = tanh_c(z);
  }
  var loss = 0.0;
  for (var o = 0u; o < MO; o++) {
    var out = 0.0;
    for (var j = 0u; j < HN; j++) {
      let w = P1 + o * HN + j;
      out += (st[th_at(w, tid)] + sign * st[xi_at(w, tid)]) * act[j];
    }
    let e = out - data[SAMPLES * M0 + k * MO + o];
    loss += 0.5 * e * e;
  }
  return loss;
}

// L(θ + ξ) − L(θ ∓ ξ); the quadratic coordinate by coordinate (loss.ts lossDifference).
fn loss_diff(tid: u32, k: u32) -> f32 {
  if (LOSS == 0u) {
    var s = 0.0;
    for (var i = 0u; i < D; i++) {
      let t = st[th_at(i, tid)];
      let x = st[xi_at(i, tid)];
      var base = t * t;
      if (TWO_POINT == 1u) { base = (t - x) * (t - x); }
      s += 0.5 * data[i] * ((t + x) * (t + x) - base);
    }
    return s;
  }
  var minus = 0.0;
  if (TWO_POINT == 1u) { minus = -1.0; }
  return net_loss(tid, 1.0, k) - net_loss(tid, minus, k);
}

// (‖∇L(θ)‖, L(θ)) on sample k (loss.ts gradNormAndLoss).
fn grad_loss(tid: u32, k: u32) -> vec2<f32> {
  if (LOSS == 0u) {
    var g2 = 0.0;
    var loss = 0.0;
    for (var i = 0u; i < D; i++) {
      let t = st[th_at(i, tid)];
      let g = data[i] * t;
      g2 += g * g;
      loss += 0.5 * g * t;
    }
    return vec2<f32>(sqrt(g2), loss);
  }
  var x2 = 0.0;
  var a2 = 0.0;
  var e2 = 0.0;
  for (var i = 0u; i < M0; i++) { x2 += data[k * M0 + i] * data[k * M0 + i]; }
  for (var j = 0u; j < HN; j++) {
    var z = 0.0;
    for (var i = 0u; i < M0; i++) { z += st[th_at(j * M0 + i, tid)] * data[k * M0 + i]; }
    act[j] = tanh_c(z);
    a2 += act[j] * act[j];
    dz[j] = 0.0;
  }
  for (var o = 0u; o < MO; o++) {
    var out = 0.0;
    for (var j = 0u; j < HN; j++) { out += st[th_at(P1 + o * HN + j, tid)] * act[j]; }
    let e = out - data[SAMPLES * M0 + k * MO + o];
    e2 += e * e;
    for (var j = 0u; j < HN; j++) { dz[j] += e * st[th_at(P1 + o * HN + j, tid)] * (1.0 - act[j] * act[j]); }
  }
  var dz2 = 0.0;
  for (var j = 0u; j < HN; j++) { dz2 += dz[j] * dz[j]; }
  return vec2<f32>(sqrt(e2 * a2 + x2 * dz2), 0.5 * e2);
}

// Checkpoint c: the copy's record; returns the updated sup.
fn record(tid: u32, c: u32, sup_in: f32) -> f32 {
  let zb = (NFLOW + 1u + c) * D;
  var e2 = 0.0;
  for (var i = 0u; i < D; i++) {
    let e = st[th_at(i, tid)] - flow[zb + i];
    e2 += e * e;
  }
  let e = sqrt(e2);
  let sup = max(sup_in, e);
  let gl = grad_loss(tid, ck[2u * C + c]);
  let o = (tid * C + c) * REC;
  rec[o] = e;
  rec[o + 1u] = sup;
  rec[o + 2u] = gl.x;
  rec[o + 3u] = gl.y;
  return sup;
}

fn keep_path(tid: u32, copy: u32, q: u32) {
  if (copy < KEEP) { paths[tid * PP + q] = st[th_at(0u, tid)]; }
}

fn init_copy(tid: u32) {
  for (var i = 0u; i < D; i++) { st[th_at(i, tid)] = flow[i]; }
  for (var k = 0u; k < 4u; k++) { cmeta[tid * 4u + k] = 0u; }
}

fn step_copy(tid: u32, copy: u32) {
  var fl = cmeta[tid * 4u + 3u];
  if ((fl & DONE) != 0u) { return; }
  var sup = bitcast<f32>(cmeta[tid * 4u]);
  var tau = bitcast<f32>(cmeta[tid * 4u + 1u]);
  var c = cmeta[tid * 4u + 2u] & 0xffffu;
  var q = cmeta[tid * 4u + 2u] >> 16u;
  for (var j = P.n0 + 1u; j <= P.n1; j++) {
    for (var b = 0u; b < NB; b++) {
      let r = philox4x32_10(vec4<u32>(j, copy, STREAM, P.block_base + b), P.key);
      for (var l = 0u; l < 4u; l++) {
        let i = 4u * b + l;
        if (i < D) { st[xi_at(i, tid)] = P.amp * (2.0 * u32_to_uniform(r[l]) - 1.0); }
      }
    }
    var tj = 0.0;
    if (POISSON == 1u) {
      let r = philox4x32_10(vec4<u32>(j, copy, STREAM, P.block_base + NB), P.key);
      tj = tau - log(u32_to_uniform(r.x)) / P.nu;
    }
    // checkpoints and path points passed before this event (their value is θ_{j−1})
    loop {
      if (c >= C) { break; }
      if (POISSON == 1u) { if (!(bitcast<f32>(ck[C + c]) < tj)) { break; } } else { if (!(ck[c] < j)) { break; } }
      sup = record(tid, c, sup);
      c++;
    }
    loop {
      if (q >= PP) { break; }
      if (POISSON == 1u) { if (!(bitcast<f32>(ck[3u * C + PP + q]) < tj)) { break; } } else { if (!(ck[3u * C + q] < j)) { break; } }
      keep_path(tid, copy, q);
      q++;
    }
    if (POISSON == 1u && tj > P.t_end) { fl |= DONE; break; }
    var k = 0u;
    var kk = j;
    var fr = 0.0;
    if (POISSON == 1u) {
      k = u32(clamp(i32(ceil(tj / P.opp_t)) - 1, 0, i32(KOPP) - 1)) % SAMPLES;
      let s = tj * P.grid_n;
      kk = min(NFLOW - 1u, u32(max(floor(s), 0.0)));
      fr = s - f32(kk);
    } else {
      k = ((j - 1u) / NT) % SAMPLES;
    }
    let f = P.step * loss_diff(tid, k);
    var before = 0.0;
    var after = 0.0;
    for (var i = 0u; i < D; i++) {
      var zi = flow[kk * D + i];
      if (POISSON == 1u) { zi = zi + fr * (flow[(kk + 1u) * D + i] - zi); }
      let t_old = st[th_at(i, tid)];
      let t_new = t_old - f * st[xi_at(i, tid)];
      st[th_at(i, tid)] = t_new;
      let a = t_old - zi;
      let bb = t_new - zi;
      before += a * a;
      after += bb * bb;
    }
    sup = max(sup, max(sqrt(before), sqrt(after)));
    tau = tj;
  }
  cmeta[tid * 4u] = bitcast<u32>(sup);
  cmeta[tid * 4u + 1u] = bitcast<u32>(tau);
  cmeta[tid * 4u + 2u] = c | (q << 16u);
  cmeta[tid * 4u + 3u] = fl;
}

// After the last event: the checkpoints and path points not yet passed, the fault flags.
fn finish_copy(tid: u32, copy: u32) {
  var fl = cmeta[tid * 4u + 3u];
  var sup = bitcast<f32>(cmeta[tid * 4u]);
  var c = cmeta[tid * 4u + 2u] & 0xffffu;
  var q = cmeta[tid * 4u + 2u] >> 16u;
  if (POISSON == 1u && (fl & DONE) == 0u) { fl |= F_EVENT_CAP; }
  for (; c < C; c++) { sup = record(tid, c, sup); }
  for (; q < PP; q++) { keep_path(tid, copy, q); }
  for (var i = 0u; i < D; i++) {
    if (!is_finite(st[th_at(i, tid)])) { fl |= F_NONFINITE; }
  }
  cmeta[tid * 4u] = bitcast<u32>(sup);
  cmeta[tid * 4u + 2u] = c | (q << 16u);
  cmeta[tid * 4u + 3u] = fl & ~DONE;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let tid = gid.x;
  if (tid >= P.n_active) { return; }
  let copy = P.traj_offset + tid;
  if (P.mode == 2u) { init_copy(tid); } else if (P.mode == 1u) { finish_copy(tid, copy); } else { step_copy(tid, copy); }
}
