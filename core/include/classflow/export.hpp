// classflow core: the one export macro of libclassflow_core (symbols are hidden by default).
#pragma once

#if defined(_WIN32)
#define CLASSFLOW_CORE_API __declspec(dllexport)
#else
#define CLASSFLOW_CORE_API __attribute__((visibility("default")))
#endif
