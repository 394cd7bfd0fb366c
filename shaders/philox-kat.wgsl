// Known-answer test kernel: out[4i..4i+3] = Philox4x32-10(ctr_i, key_i) for the inputs in[6i..6i+5].
@group(0) @binding(0) var<storage, read> inp: array<u32>;
@group(0) @binding(1) var<storage, read_write> outp: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&inp) / 6u) { return; }
  let b = 6u * i;
  let r = philox4x32_10(vec4<u32>(inp[b], inp[b + 1u], inp[b + 2u], inp[b + 3u]), vec2<u32>(inp[b + 4u], inp[b + 5u]));
  outp[4u * i] = r.x;
  outp[4u * i + 1u] = r.y;
  outp[4u * i + 2u] = r.z;
  outp[4u * i + 3u] = r.w;
}
