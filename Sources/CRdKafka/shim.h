#ifndef CDX_VERIFY_CRDKAFKA_SHIM_H
#define CDX_VERIFY_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

#endif
