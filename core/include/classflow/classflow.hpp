// classflow: umbrella header for applications embedding the core.
#pragma once

#include <classflow/atomic_file.hpp>
#include <classflow/class_index.hpp>
#include <classflow/dataset.hpp>
#include <classflow/dataset_check.hpp>
#include <classflow/dataset_report.hpp>
#include <classflow/error.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/label_spec.hpp>
#include <classflow/mapping_file.hpp>
#include <classflow/predictions.hpp>
#include <classflow/data_loader.hpp>
#include <classflow/registry.hpp>
