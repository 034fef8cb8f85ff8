"""classflow: labelled images to training batches, with an explicit, persisted, checked class mapping.

The Python face of the classflow C++ core: the same scan, label policy, decoders, encoders and
batch order as the ``classflow`` CLI, with Keras's names (``flow_from_directory``,
``class_indices``, ``class_mode``, ``target_size``, ...) and NumPy arrays that view the loader's
own batch buffers (no copy; ``np.from_dlpack`` / ``torch.from_dlpack`` share them too).

Quick start::

    import classflow
    train = classflow.flow_from_directory("data/train", target_size=(224, 224),
                                          classes=["dog", "cat"], batch_size=10)
    train.class_indices          # {'dog': 0, 'cat': 1}
    images, labels = next(train)  # float32 (10, 224, 224, 3), float32 (10, 2); [0, 1] = cat
    train.decode([[0.1, 0.9]])    # ['cat']

Errors: :class:`UsageError` (also a ``ValueError``) for a bad argument, :class:`DataError` for
data that cannot be used as asked, :class:`PluginError` for a missing or failing plugin; the
message is the text the CLI prints.
"""

from ._native import DataError, Error, PluginError, UsageError
from ._batch import Batch
from ._mapping import ClassIndices, decode, load_class_indices
from ._iterator import DirectoryIterator
from ._flow import flow_from_csv, flow_from_dataframe, flow_from_directory
from ._registry import plugins
from ._augment import ImageDataGenerator, apply_transform
from ._check import check, report

__all__ = [
    "Batch",
    "ImageDataGenerator",
    "apply_transform",
    "check",
    "ClassIndices",
    "DataError",
    "DirectoryIterator",
    "Error",
    "PluginError",
    "UsageError",
    "decode",
    "flow_from_csv",
    "flow_from_dataframe",
    "flow_from_directory",
    "load_class_indices",
    "plugins",
    "report",
]

__version__ = "0.1.0"
