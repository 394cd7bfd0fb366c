// Particle segments of the rare-event estimator (src/models/rare-event/estimator.ts), one thread per particle, in f32.
// Mirrors src/models/rare-event/particles-cpu.ts (CpuParticleStepper.run, stepWithStream, stopStatus); the chain step is the
// one of shaders/chain.wgsl with the Philox stream word taken from the particle: counter = (k, id, stream, block).
//
// Prepended by the host (src/models/rare-event/particles-webgpu.ts): shaders/philox.wgsl, shaders/noise.wgsl, the
// struct Params and the constants D (inputs), WG (workgroup size), NOISE_LAW (0 uniform, 1 rademacher, 2 truncated
// normal). Dispatch j of a round counts the particles still running into running[P.cidx = j].
//
// A particle runs until the first state (its start included) with, in this order: xi > stop (4, crossed),
// xi <= -B (2, success), xi >= B (3, failure), k >= K (1, horizon), where xi = max_{j != i*} x_j - x_{i*};
// or until this dispatch's step budget is spent (status 0, running: the host dispatches again). maxxi is the
// running maximum of xi over every state visited (recomputing a state's xi at the start of the next dispatch is
// harmless). The same code serves forward runs (stop = 3e38) and replays (stop = a level), so a replay reproduces
// the forward path bit for bit.

// struct Params (the uniform block P): generated from PARAMS in src/models/rare-event/particles-webgpu.ts.

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> xs: array<f32>;         // x[p * D + i]
@group(0) @binding(2) var<storage, read_write> info: array<vec4<u32>>; // (k, id, stream, status)
@group(0) @binding(3) var<storage, read_write> lv: array<vec2<f32>>;   // (stop, maxxi)
@group(0) @binding(4) var<storage, read_write> running: array<atomic<u32>>;

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
  if (st == 0u) { atomicAdd(&running[P.cidx], 1u); }
}
