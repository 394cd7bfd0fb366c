// Particle segments of the rare-event estimator (src/orchestrator/rare-event.ts), one thread per particle, in f32.
// Mirrors src/engines/particles-cpu.ts (CpuParticleStepper.run, stepWithStream, stopStatus); the chain step is the
// one of shaders/chain.wgsl with the Philox stream word taken from the particle: counter = (k, id, stream, block).
//
// Prepended by the host (src/engines/webgpu/particles-engine.ts): shaders/philox.wgsl and the constants
//   D (inputs), WG (workgroup size), NOISE_LAW (0 uniform, 1 rademacher, 2 truncated normal).
//
// A particle runs until the first state (its start included) with, in this order: xi > stop (4, crossed),
// xi <= -B (2, success), xi >= B (3, failure), k >= K (1, horizon), where xi = max_{j != i*} x_j - x_{i*};
// or until this dispatch's step budget is spent (status 0, running: the host dispatches again). maxxi is the
// running maximum of xi over every state visited (recomputing a state's xi at the start of the next dispatch is
// harmless). The same code serves forward runs (stop = 3e38) and replays (stop = a level), so a replay reproduces
// the forward path bit for bit.

struct Params {
  key: vec2<u32>,
  n: u32,             // particles in this batch
  max_steps: u32,     // step budget of this dispatch
  K: u32,             // horizon
  i_star: u32,
  alpha: f32,
  h: f32,
  absorb: f32,        // B
  tn_lo: f32,
  tn_width: f32,
  tn_sd: f32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> xs: array<f32>;         // x[p * D + i]
@group(0) @binding(2) var<storage, read_write> info: array<vec4<u32>>; // (k, id, stream, status)
@group(0) @binding(3) var<storage, read_write> lv: array<vec2<f32>>;   // (stop, maxxi)
@group(0) @binding(4) var<storage, read_write> running: array<atomic<u32>>;

// Acklam's rational approximation of the standard normal quantile (as in chain.wgsl).
fn norm_inv(p: f32) -> f32 {
  if (p < 0.02425 || p > 0.97575) {
    let pp = select(p, 1.0 - p, p > 0.5);
    let q = sqrt(-2.0 * log(pp));
    let v = (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q
      - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
      ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1.0);
    return select(v, -v, p > 0.5);
  }
  let q = p - 0.5;
  let r = q * q;
  return (((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r
    - 3.066479806614716e1) * r + 2.506628277459239) * q /
    (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r
    - 1.328068155288572e1) * r + 1.0);
}

fn noise(u: f32) -> f32 {
  if (NOISE_LAW == 0u) { return P.h * (2.0 * u - 1.0); }
  if (NOISE_LAW == 1u) { return select(P.h, -P.h, u < 0.5); }
  return clamp(P.tn_sd * norm_inv(P.tn_lo + u * P.tn_width), -P.h, P.h);
}

// log(1 + v) with the series for small |v| (as in chain.wgsl).
fn log1p_acc(v: f32) -> f32 {
  if (abs(v) < 1e-2) {
    return v * (1.0 - v * (0.5 - v * (0.3333333333 - v * (0.25 - v * 0.2))));
  }
  return log(1.0 + v);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= P.n) { return; }
  var inf = info[t];
  if (inf.w != 0u) { return; }
  var x: array<f32, D>;
  for (var i = 0u; i < D; i++) { x[i] = xs[t * D + i]; }
  var k = inf.x;
  let id = inf.y;
  let stream = inf.z;
  let stop = lv[t].x;
  var mx = lv[t].y;
  var st = 0u;
  var s = 0u;
  var e: array<f32, D>;
  loop {
    var mo = -3.0e38;
    for (var j = 0u; j < D; j++) {
      if (j != P.i_star) { mo = max(mo, x[j]); }
    }
    let xi = mo - x[P.i_star];
    mx = max(mx, xi);
    if (xi > stop) { st = 4u; }
    else if (xi <= -P.absorb) { st = 2u; }
    else if (xi >= P.absorb) { st = 3u; }
    else if (k >= P.K) { st = 1u; }
    if (st != 0u || s >= P.max_steps) { break; }

    // One chain step (chain.wgsl) on the particle's own stream.
    var S = 0.0;
    var last_pos = D - 1u;
    for (var i = 0u; i < D; i++) {
      e[i] = exp(x[i]);
      S += e[i];
    }
    for (var i = 0u; i < D; i++) {
      if (e[i] > 0.0) { last_pos = i; }
    }
    var r = philox4x32_10(vec4<u32>(k, id, stream, 0u), P.key);
    let thresh = u32_to_uniform(r.x) * S;
    var zeta = last_pos;
    var acc = 0.0;
    for (var i = 0u; i < D; i++) {
      acc += e[i];
      if (thresh < acc) { zeta = i; break; }
    }
    var m = -3.0e38;
    for (var i = 0u; i < D; i++) {
      let nn = i + 1u;
      if ((nn & 3u) == 0u) { r = philox4x32_10(vec4<u32>(k, id, stream, nn >> 2u), P.key); }
      let z = noise(u32_to_uniform(r[nn & 3u]));
      let b = select(0.0, 1.0, i == zeta);
      x[i] = x[i] + log1p_acc(P.alpha * (b + z));
      m = max(m, x[i]);
    }
    for (var i = 0u; i < D; i++) { x[i] = x[i] - m; }
    k = k + 1u;
    s = s + 1u;
  }
  for (var i = 0u; i < D; i++) { xs[t * D + i] = x[i]; }
  info[t] = vec4<u32>(k, id, stream, st);
  lv[t] = vec2<f32>(stop, mx);
  if (st == 0u) { atomicAdd(&running[0], 1u); }
}
