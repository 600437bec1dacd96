"""Benchmark of the citizen-message classifier (district.cases.classify).

Measures, on the vendored Teddy Cup messages (data/citizen_messages, 349 rows, 347 after
dropping message 37042, which carries two different labels):

* stratified 5-fold cross-validated macro-F1 (mean and per fold) of our model, of our
  model without the taxonomy keywords, and of the plain baseline (jieba words + default
  TF-IDF + default LinearSVC), for each seed (the seed fixes the folds and the SVM);
* prediction latency per message, one message per call as a web form would ask, on the
  150 vendored messages that are not in the training file;
* training time, model-file size, and that two trainings give a byte-identical file.

Usage: python benchmarks/cases_classifier.py [--seeds 0 1 2] [--folds 5]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from district.cases.classify import (  # noqa: E402
    Taxonomy,
    cross_validate,
    read_labelled_messages,
    read_messages,
    read_taxonomy,
    train_classifier,
)
from district.cases.classify.evaluation import ModelName  # noqa: E402

DATA = ROOT / "data" / "citizen_messages"
UNSEEN = ("hot_issue_messages_fj3.csv", "messages_with_replies_fj4.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    messages = read_labelled_messages(DATA / "messages_labelled_train.csv")
    taxonomy = read_taxonomy(DATA / "label_taxonomy_fj1.csv")
    print(
        f"{len(messages)} messages; dropped conflicting ids: "
        f"{[c.message_id for c in messages.conflicts]}"
    )

    results: dict[str, dict[str, object]] = {}
    variants: tuple[tuple[str, ModelName, Taxonomy | None], ...] = (
        ("district", "district", taxonomy),
        ("district_without_taxonomy", "district", None),
        ("baseline", "baseline", None),
    )
    for name, kind, tax in variants:
        runs = []
        started = time.perf_counter()
        for seed in args.seeds:
            report = cross_validate(
                messages.subjects,
                messages.details,
                messages.labels,
                taxonomy=tax,
                folds=args.folds,
                seed=seed,
                model=kind,
            )
            runs.append(report.as_dict())
            folds = " ".join(f"{f:.3f}" for f in report.macro_f1_folds)
            print(f"{name:26s} seed {seed}: macro-F1 {report.macro_f1:.4f} (folds {folds})")
        means = [float(r["macro_f1"]) for r in runs]
        results[name] = {
            "macro_f1_mean_over_seeds": round(statistics.mean(means), 4),
            "runs": runs,
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"{name:26s} mean over seeds: {statistics.mean(means):.4f}")

    started = time.perf_counter()
    model = train_classifier(
        messages.subjects, messages.details, messages.labels, taxonomy=taxonomy, seed=0
    )
    train_seconds = time.perf_counter() - started
    again = train_classifier(
        messages.subjects, messages.details, messages.labels, taxonomy=taxonomy, seed=0
    )
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "a.json.gz", Path(tmp) / "b.json.gz"
        model.save(first)
        again.save(second)
        digest = hashlib.sha256(first.read_bytes()).hexdigest()
        identical = first.read_bytes() == second.read_bytes()
        size_bytes = first.stat().st_size

    # Latency on real messages the model never saw (附件3 and 附件4: 150 messages), one per
    # call: the segmenter memoises texts, so timing the training messages would flatter it.
    unseen = [read_messages(DATA / name) for name in UNSEEN]
    unseen_subjects = [s for table in unseen for s in table.column("留言主题")]
    unseen_details = [d for table in unseen for d in table.column("留言详情")]
    latencies_ms = []
    for subject, detail in zip(unseen_subjects, unseen_details, strict=True):
        started = time.perf_counter()
        model.predict([subject], [detail])
        latencies_ms.append((time.perf_counter() - started) * 1000)
    latencies_ms.sort()
    latency = {
        "median_ms": round(statistics.median(latencies_ms), 2),
        "p95_ms": round(latencies_ms[int(0.95 * len(latencies_ms))], 2),
        "max_ms": round(latencies_ms[-1], 2),
    }
    print(
        f"full model: trained in {train_seconds:.1f} s, {model.features.width} features, "
        f"file {size_bytes / 1e6:.2f} MB, sha256 {digest[:16]}…, reproducible: {identical}"
    )
    print(
        f"latency per message ({len(latencies_ms)} unseen): median {latency['median_ms']} ms, "
        f"p95 {latency['p95_ms']} ms, max {latency['max_ms']} ms"
    )
    print(
        json.dumps(
            {
                "benchmark": "cases_classifier",
                "messages": len(messages),
                "folds": args.folds,
                "seeds": args.seeds,
                "cv": results,
                "train_seconds": round(train_seconds, 2),
                "features": model.features.width,
                "model_file_bytes": size_bytes,
                "model_file_sha256": digest,
                "model_file_reproducible": identical,
                "latency_per_message": latency,
                "latency_messages": len(latencies_ms),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
