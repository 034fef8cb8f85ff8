"""Type stubs of classflow._native, the pybind11 layer over libclassflow_core.

Only translates types: every rule (class_mode defaults, option checks, error kinds) is the core's.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

abi_version: Tuple[int, int]

class Error(Exception):
    """Base of every classflow error."""

class UsageError(Error, ValueError):
    """A bad argument value (CLI exit code 2)."""

class DataError(Error):
    """Data that cannot be used as asked (CLI exit code 3)."""

class PluginError(Error):
    """A plugin missing, refused or failing (CLI exit code 4)."""

class Registry:
    def __init__(
        self, plugin_dirs: Sequence[str] = ..., use_env: bool = ..., use_default_dir: bool = ...,
        overrides: Sequence[str] = ...
    ) -> None: ...
    @property
    def search_path(self) -> List[str]: ...
    def plugins(self) -> List[dict]: ...
    def refused(self) -> List[Dict[str, str]]: ...
    def overridden(self) -> List[Dict[str, str]]: ...
    def warnings(self) -> List[str]: ...
    def encoder_names(self) -> List[str]: ...

class MappingFile:
    @property
    def class_names(self) -> List[str]: ...
    @property
    def class_mode(self) -> str: ...
    @property
    def positive_class(self) -> Optional[str]: ...

def load_mapping(path: str) -> MappingFile: ...
def mapping_from_json(text: str, origin: str) -> MappingFile: ...
def mapping_to_json(mapping: MappingFile, format: str = ...) -> str: ...
def save_mapping(path: str, mapping: MappingFile, format: str = ...) -> None: ...
def make_mapping(class_names: Sequence[str], class_mode: str = ...) -> MappingFile: ...

class ScanOptions:
    root: str
    source: str
    classes: List[str]
    follow_links: bool
    allow_empty: bool
    source_options: List[Tuple[str, str]]
    validation_split: float
    seed: int
    class_order: str
    subset: str
    split_method: str
    def __init__(self) -> None: ...

class LabelOptions:
    class_mode: str
    encoder_options: List[Tuple[str, str]]
    mapping: Optional[MappingFile]
    def __init__(self) -> None: ...

class LoaderOptions:
    target_size: Tuple[int, int]
    keep_aspect_ratio: bool
    rescale: float
    apply_orientation: bool
    jpeg_draft: Optional[bool]
    cache: str
    sampling: str
    samples_per_epoch: int
    batch_size: int
    shuffle: bool
    seed: int
    drop_last: bool
    num_workers: int
    prefetch: int
    max_image_pixels: int
    shard_id: int
    num_shards: int
    alpha_background: Optional[str]
    transforms: List["TransformSpec"]
    color_mode: str
    interpolation: str
    dtype: str
    data_format: str
    on_error: str
    shard_remainder: str
    def __init__(self) -> None: ...
    def apply_shard(self, num_shards: Optional[int], shard_id: Optional[int]) -> None: ...
    def add_augmentation(self, augment: Sequence[Tuple[str, str]]) -> None: ...
    def check(self) -> None: ...

class TransformSpec:
    name: str
    options: List[Tuple[str, str]]
    def __init__(self, name: str = ..., options: Sequence[Tuple[str, str]] = ...) -> None: ...

def apply_transform(
    registry: Registry, spec: TransformSpec, x: np.ndarray, seed: int = ..., epoch: int = ..., sample: int = ...
) -> np.ndarray: ...
def philox_stream(seed: int, epoch: int, sample: int, position: int, n: int) -> List[int]: ...
def check_options(registry: Registry, options: LoaderOptions) -> None: ...
def reserve_batches(options: LoaderOptions) -> None: ...

class WarmUp:
    """Loader threads warming up (DataLoader::WarmUp); dropping it waits for them."""

def warm_up(registry: Registry, options: LoaderOptions, scan: ScanOptions) -> WarmUp: ...

def parse_target_size(text: str) -> Tuple[int, int]: ...

class Dataset:
    root: str
    base_directory: str
    source: str
    labelled: bool
    warnings: List[str]
    filtered: int
    total_before_split: int
    @property
    def class_names(self) -> List[str]: ...
    @property
    def num_samples(self) -> int: ...
    def filenames(self) -> List[str]: ...
    def classes(self) -> npt.NDArray[np.int32]: ...
    def class_counts(self) -> List[int]: ...
    def class_weight(self) -> List[float]: ...
    def found_message(self) -> str: ...
    def skipped(self) -> List[Tuple[str, str, str]]: ...

class LabelSpec:
    class_mode: str
    has_labels: bool
    labels_are_images: bool
    has_class_index: bool
    multi_label: bool
    positive_class: Optional[str]
    class_names: List[str]
    encoder_options: List[Tuple[str, str]]
    label_summary: str
    label_dtype: Optional[str]
    label_shape: Optional[List[int]]
    def mapping(self) -> MappingFile: ...
    def decode(
        self, rows: npt.NDArray[np.float32], top_k: int = ..., threshold: Optional[float] = ...
    ) -> List[List[Tuple[int, float]]]: ...

def scan_labelled(registry: Registry, scan: ScanOptions, labels: LabelOptions) -> Tuple[Dataset, LabelSpec]: ...
def scan_labelled_split(
    registry: Registry, scan: ScanOptions, labels: LabelOptions
) -> Tuple[Dataset, Dataset, LabelSpec]: ...
def label_spec(registry: Registry, labels: LabelOptions, class_names: Sequence[str]) -> LabelSpec: ...

# (images, labels or None, class_ids int32 [N], sample_indices int64 [N], paths, epoch, index,
#  skipped [(sample_index, path, reason)])
NativeBatch = Tuple[
    np.ndarray, Optional[np.ndarray], npt.NDArray[np.int32], npt.NDArray[np.int64], List[str], int, int, list
]

class Stream:
    @property
    def position(self) -> int: ...
    def next(self) -> Optional[NativeBatch]: ...
    def close(self) -> None: ...

class Loader:
    def __init__(self, registry: Registry, dataset: Dataset, labels: LabelSpec, options: LoaderOptions) -> None: ...
    num_batches: int
    num_samples: int
    shard_size: int
    skipped_count: int
    warnings: List[str]
    def profile(self) -> Dict[str, float]: ...
    labels: LabelSpec
    options: LoaderOptions
    def epoch_order(self, epoch: int) -> npt.NDArray[np.int64]: ...
    def epoch_batches(self, epoch: int) -> int: ...
    def refuse_output_over_samples(self, path: str, what: str) -> None: ...
    def state_json(self, epoch: int, batches_consumed: int) -> str: ...
    def resume_json(self, state: str) -> Tuple[int, int]: ...
    def batch(self, index: int, epoch: int = ...) -> NativeBatch: ...
    def stream(self, epoch: int, first_batch: int = ...) -> Stream: ...

def check_check_options(
    decode: bool,
    target_size: Optional[Tuple[int, int]],
    near_duplicates: bool,
    near_threshold: int,
    num_workers: int,
    max_image_pixels: int,
) -> None: ...
def check_datasets(
    registry: Registry,
    datasets: List[Dataset],
    decode: bool,
    target_size: Optional[Tuple[int, int]],
    near_duplicates: bool,
    near_threshold: int,
    num_workers: int,
    max_image_pixels: int,
) -> str: ...
def write_report(
    registry: Registry,
    datasets: List[Dataset],
    specs: List[LabelSpec],
    output: str,
    decode: bool,
    target_size: Optional[Tuple[int, int]],
    near_duplicates: bool,
    near_threshold: int,
    num_workers: int,
    max_image_pixels: int,
    thumbnails: int,
    title: str,
) -> str: ...
def perceptual_hash(image: npt.NDArray[np.uint8]) -> int: ...
