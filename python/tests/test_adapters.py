"""classflow.torch.IterableDataset and classflow.keras.PyDataset."""

import numpy as np
import pytest

import classflow


def test_torch_iterable_dataset_shares_batch_memory(dogs_cats):
    torch = pytest.importorskip("torch")
    import classflow.torch as cft

    ds = cft.IterableDataset(dogs_cats / "train", target_size=(32, 32), batch_size=10, class_mode="sparse", seed=2)
    assert len(ds) == 3
    loader = torch.utils.data.DataLoader(ds, batch_size=None)
    it = ds.iterator
    expected = list(it.batches(0))
    got = list(loader)
    assert len(got) == 3
    for (x, y), b in zip(got, expected):
        assert x.dtype == torch.float32 and tuple(x.shape) == (len(b), 3, 32, 32)  # channels_first for torch
        assert y.dtype == torch.int64  # what CrossEntropyLoss wants
        assert x.numpy().tobytes() == b.images.tobytes()
        assert y.tolist() == [int(c) for c in b.class_ids]
    second = [y.tolist() for _, y in loader]  # the next iteration is the next epoch
    assert second == [[int(c) for c in b.class_ids] for b in it.batches(1)]
    x, _ = next(iter(ds))
    assert not x.numpy().flags["OWNDATA"]  # a view of the loader's buffer, no copy


def test_torch_shards_follow_explicit_rank(dogs_cats):
    pytest.importorskip("torch")
    import classflow.torch as cft

    seen = []
    for rank in range(2):
        ds = cft.IterableDataset(dogs_cats / "train", target_size=(8, 8), batch_size=4, num_shards=2,
                                 shard_id=rank, shuffle=False, shard_remainder="drop")
        for _, y in ds:
            pass
        seen.append(list(ds.iterator.epoch_order(0)))
    assert sorted(seen[0] + seen[1]) == list(range(26))


def test_keras_pydataset_protocol(dogs_cats):
    import classflow.keras as cfk

    ds = cfk.PyDataset(dogs_cats / "train", target_size=(16, 16), batch_size=8, seed=5)
    assert len(ds) == 4
    assert ds.class_indices == {"cat": 0, "dog": 1}
    epoch0 = [b.images.tobytes() for b in ds.iterator.batches(0)]
    assert [ds[i][0].tobytes() for i in range(len(ds))] == epoch0
    ds.on_epoch_end()
    assert [ds[i][0].tobytes() for i in range(len(ds))] == [b.images.tobytes() for b in ds.iterator.batches(1)]
    assert ds.decode([[0.2, 0.8]]) == ["dog"]
    wrapped = cfk.PyDataset(iterator=ds.iterator)
    assert len(wrapped) == 4
    # A plain for loop walks the epoch and stops (it ran past the end into a UsageError).
    assert [x.tobytes() for x, _ in ds] == [b.images.tobytes() for b in ds.iterator.batches(1)]
