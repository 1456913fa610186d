#ifndef AMT_CUCHARDET_SHIM_H
#define AMT_CUCHARDET_SHIM_H
#include <uchardet.h>
#endif
