#ifndef AMT_CZLIB_SHIM_H
#define AMT_CZLIB_SHIM_H
#include <zlib.h>
#endif
