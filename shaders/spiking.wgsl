// Model A of issue 5: the spiking network of Section 2.3 of arXiv 2505.10272, event-driven, one thread per
// trajectory, in f32. Mirrors src/models/spiking/cpu-engine.ts (advanceSpiking, outputSpike) line by line, on the same
// state row (NQ numbers per trajectory; the u32 fields events, k, flags in a buffer of their own). Philox counter (event, trajectory, 8, 0).
//
// Prepended by the host (src/models/spiking/webgpu-engine.ts): shaders/philox.wgsl, the struct Params and the constants
//   D, WG, NS, NQ, LAYOUT (0: coordinate-major state[q * n + t], 1: trajectory-major state[t * NQ + q]),
//   MULT (1 multiplicative, 0 additive), ONLINE (1 online, 0 delayed), NORM_SUM (1: keep sum w fixed),
//   RHO_SPAN, BIG, ISI_BINS, ISI_LN_LO, ISI_SCALE, INC_BINS, INC_SLOTS, HB (= ISI_BINS + INC_SLOTS),
//   and the field offsets F_* and array offsets O_V, O_PT, O_D, O_PK, O_TRIG, O_PS, O_PS2 (already times D, plus NS).

// The flags FLAG_CAPPED, FLAG_DEAD, FLAG_NONFINITE, FLAG_NEG_INTERVAL, FLAG_NEG_TRACE and STOP_MASK (the flags that stop
// a trajectory) come from src/models/spiking/cpu-engine.ts with the other constants.

// struct Params (the uniform block P): generated from PARAMS in src/models/spiking/webgpu-engine.ts.

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> tab: array<u32>;                 // thr[D], alias[D], bits of f32 rates[D]
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;  // [slot][HB]: ISI bins, then increments
@group(0) @binding(4) var<storage, read_write> running: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> cap: array<u32>;           // [(traj * cap_n + e) * 3]: src|fired<<31, dt, y
// The u32 fields (events, output spikes, flags) live in their own buffer, [f * n + t] (f32 bit patterns of small
// integers are denormals, which a GPU may flush to zero on load or store).
@group(0) @binding(6) var<storage, read_write> istate: array<u32>;

fn at(q: u32, t: u32) -> u32 {
  if (LAYOUT == 0u) { return q * P.n_active + t; }
  return t * NQ + q;
}
fn rate_of(i: u32) -> f32 { return bitcast<f32>(tab[2u * D + i]); }

fn isi_bin(isi: f32) -> u32 {
  if (!(isi > 0.0)) { return 0u; }
  let b = floor((log(isi) - ISI_LN_LO) * ISI_SCALE);
  return u32(clamp(b, 0.0, f32(ISI_BINS - 1u)));
}

fn inc_bin(delta: f32, spiked: bool) -> u32 {
  if (!spiked) { return INC_BINS + 2u; }
  if (delta < -1.0) { return INC_BINS; }
  if (delta > 1.0) { return INC_BINS + 1u; }
  return min(u32(floor((delta + 1.0) * f32(INC_BINS / 2u))), INC_BINS - 1u);
}

fn addf(q: u32, t: u32, v: f32) { state[at(q, t)] = state[at(q, t)] + v; }

// The output spike at relative time u (traces referenced to rho), triggered by input j; returns the new flags.
fn output_spike(t: u32, j: u32, u: f32, rho: f32, flags_in: u32) -> u32 {
  var flags = flags_in;
  let f = exp(rho - u);
  let a = P.alpha;
  let add_scale = a * exp(-state[at(F_ELL, t)]);
  let hbase = P.slot * HB;
  var sum = 0.0;
  var wincn = 0.0;
  var winc = 0.0;
  var winc2 = 0.0;
  for (var i = 0u; i < D; i++) {
    let pt = state[at(O_PT + i, t)];
    let di = state[at(O_D + i, t)];
    if (pt < 0.0 || di < 0.0) { flags |= FLAG_NEG_TRACE; }
    let Pi = pt * f;
    let inc = Pi - di;
    let pk = state[at(O_PK + i, t)];
    addf(O_PS + i, t, pk);
    addf(O_PS2 + i, t, pk * pk);
    if (i != j) {
      atomicAdd(&hist[hbase + ISI_BINS + inc_bin(inc, pt > 0.0)], 1u);
      wincn += 1.0;
      winc += inc;
      winc2 += inc * inc;
    }
    let g = select(inc, Pi, ONLINE == 1u);
    var v = state[at(O_V + i, t)];
    if (MULT == 1u) { v = v * (1.0 + a * g); } else { v = v + add_scale * g; }
    v = max(v, 0.0);
    state[at(O_V + i, t)] = v;
    sum += v;
    state[at(O_PT + i, t)] = 0.0;
    state[at(O_D + i, t)] = 0.0;
  }
  addf(F_WINCN, t, wincn);
  addf(F_WINC, t, winc);
  addf(F_WINC2, t, winc2);
  addf(O_TRIG + j, t, 1.0);
  if (sum > 0.0 && sum <= BIG) {
    let inv = 1.0 / sum;
    var lw = 0.0;
    for (var i = 0u; i < D; i++) {
      let v = state[at(O_V + i, t)] * inv;
      state[at(O_V + i, t)] = v;
      lw += rate_of(i) * v;
    }
    let il = 1.0 / lw;
    for (var i = 0u; i < D; i++) {
      state[at(O_PK + i, t)] = rate_of(i) * state[at(O_V + i, t)] * il;
    }
    var ell = P.ell0;
    if (NORM_SUM == 0u) { ell = state[at(F_ELL, t)] + log(sum); }
    state[at(F_ELL, t)] = ell;
    state[at(F_SV, t)] = P.threshold * exp(-ell);
  } else if (sum > 0.0 || sum != sum) {
    flags |= FLAG_NONFINITE;
  } else {
    flags |= FLAG_DEAD;
  }
  // t_{k+1} = t_k + u, Kahan-summed.
  let tc = state[at(F_TC, t)];
  let told = state[at(F_T, t)];
  let yk = u - tc;
  let tn = told + yk;
  state[at(F_TC, t)] = (tn - told) - yk;
  state[at(F_T, t)] = tn;
  addf(F_WN, t, 1.0);
  addf(F_WISI, t, u);
  addf(F_WISI2, t, u * u);
  state[at(F_WMIN, t)] = min(state[at(F_WMIN, t)], u);
  atomicAdd(&hist[hbase + isi_bin(u)], 1u);
  if (!(u > 0.0)) { flags |= FLAG_NEG_INTERVAL; }
  return flags;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= P.n_active) { return; }
  let traj = P.traj_offset + t;
  if (P.clear_win == 1u) {
    state[at(F_WN, t)] = 0.0;
    state[at(F_WISI, t)] = 0.0;
    state[at(F_WISI2, t)] = 0.0;
    state[at(F_WINCN, t)] = 0.0;
    state[at(F_WINC, t)] = 0.0;
    state[at(F_WINC2, t)] = 0.0;
    state[at(F_WMIN, t)] = BIG;
    for (var i = 0u; i < D; i++) {
      state[at(O_TRIG + i, t)] = 0.0;
      state[at(O_PS + i, t)] = 0.0;
      state[at(O_PS2 + i, t)] = 0.0;
    }
  }
  var Y = state[at(F_Y, t)];
  var u = state[at(F_U, t)];
  var rho = state[at(F_RHO, t)];
  var sv = state[at(F_SV, t)];
  let n = P.n_active;
  var ev = istate[t];
  var k = istate[n + t];
  var flags = istate[2u * n + t];
  for (var it = 0u; it < P.budget; it++) {
    if (k >= P.k_target || (flags & STOP_MASK) != 0u) { break; }
    if (ev >= P.max_events) {
      flags |= FLAG_CAPPED;
      break;
    }
    let r = philox4x32_10(vec4<u32>(ev, traj, 8u, 0u), P.key);
    let dt = -log(u32_to_uniform(r.x)) * P.inv_lambda;
    let c = mulhi32(r.y, D);
    let j = select(tab[D + c], c, r.z < tab[c]);
    if (!(dt >= 0.0)) { flags |= FLAG_NEG_INTERVAL; }
    u = u + dt;
    Y = Y * exp(-dt) + state[at(O_V + j, t)];
    if (u - rho > RHO_SPAN) {
      let f = exp(rho - u);
      for (var i = 0u; i < D; i++) { state[at(O_PT + i, t)] = state[at(O_PT + i, t)] * f; }
      rho = u;
    }
    addf(O_PT + j, t, exp(u - rho));
    let eu = exp(-u);
    addf(O_D + j, t, eu);
    if (ONLINE == 1u) {
      var v = state[at(O_V + j, t)];
      if (MULT == 1u) { v = v * (1.0 - P.alpha * eu); } else { v = v - P.alpha * exp(-state[at(F_ELL, t)]) * eu; }
      state[at(O_V + j, t)] = max(v, 0.0);
    }
    let fired = Y >= sv;
    if (ev < P.cap_n) {
      let o = ((P.cap_base + t) * P.cap_n + ev) * 3u;
      cap[o] = j | select(0u, 0x80000000u, fired);
      cap[o + 1u] = bitcast<u32>(dt);
      cap[o + 2u] = bitcast<u32>(Y);
    }
    ev = ev + 1u;
    if (fired) {
      flags = output_spike(t, j, u, rho, flags);
      k = k + 1u;
      Y = 0.0;
      u = 0.0;
      rho = 0.0;
      sv = state[at(F_SV, t)];
    }
  }
  state[at(F_Y, t)] = Y;
  state[at(F_U, t)] = u;
  state[at(F_RHO, t)] = rho;
  istate[t] = ev;
  istate[n + t] = k;
  istate[2u * n + t] = flags;
  if (k < P.k_target && (flags & STOP_MASK) == 0u) { atomicAdd(&running[P.cidx], 1u); }
}
