#ifndef AMT_CARCHIVE_SHIM_H
#define AMT_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
