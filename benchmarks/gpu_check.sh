#!/usr/bin/env bash
# The GPU checks, as one prepared call on a machine with a CUDA GPU (about 10 minutes on an
# H100-class GPU; every step writes its JSON as soon as it ends, so a cut run keeps the
# steps it finished):
#
#   OUT=reports/gpu bash benchmarks/gpu_check.sh
#
# (a) the smoke profile stage by stage on the GPU and on the host CPU, each stage's wall
#     time split into compute and fixed cost (benchmarks/device_smoke.py, on MNIST: carry
#     data/raw/mnist, ~11 MB, or point PDD_DATA_MIRROR at a mirror);
# (b) the paper profile's MTT iteration (CIFAR-10 shape, ConvNet-128, N = 50, batch_syn 20)
#     in the official formulation (benchmarks/reference_mtt.py) and the project's `graph`
#     and `adjoint` unrolls, speed and peak memory (benchmarks/mtt_unroll.py);
# (c) K evaluation networks trained at once with torch.func against K one after another
#     (benchmarks/stacked_eval.py).
#
# DEVICE=cpu runs the same steps on the CPU (a check of the script, not a measurement);
# QUICK=1 shrinks every step to seconds (what tests/test_device_benchmarks.py runs).
set -euo pipefail
out=${OUT:-reports/gpu}
device=${DEVICE:-cuda}
python=${PYTHON:-python}
mkdir -p "$out"
export PDD_DATA_MIRROR=${PDD_DATA_MIRROR:-data/raw}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [[ -n "${QUICK:-}" ]]; then
  smoke_lists=(--only data baselines)
  unroll=(--widths 4 --steps 2 --iterations 1)
  stacked=(--shape mnist --width 4 --networks 1 2 --ipc 2 --epochs 2)
  hosts=("$device")
else
  smoke_lists=()
  unroll=(--widths 128 --steps 50 --iterations 5)
  stacked=(--shape cifar10 --width 128 --networks 1 5 10 25 --ipc 10 --epochs 50)
  hosts=("$device" cpu)
fi

echo "== (a) smoke profile per stage: ${hosts[*]}"
for host in "${hosts[@]}"; do
  "$python" -m benchmarks.device_smoke --device "$host" --workdir "$scratch/smoke-$host" \
    --set common.dataset=mnist ${smoke_lists[@]+"${smoke_lists[@]}"} --out "$out/smoke_$host.json"
done

echo "== (b) paper-profile MTT iteration: reference, graph, adjoint"
"$python" -m benchmarks.mtt_unroll --device "$device" --shape cifar10 --skip-check \
  "${unroll[@]}" --out "$out/mtt_unroll_paper.json"

echo "== (c) K evaluation networks at once (torch.func)"
"$python" -m benchmarks.stacked_eval --device "$device" "${stacked[@]}" --out "$out/stacked_eval.json"
echo "done: $out"
