#ifndef CDX_VERIFY_CRDKAFKA_MOCK_H
#define CDX_VERIFY_CRDKAFKA_MOCK_H

// rdkafka.h must come first: rdkafka_mock.h refuses to compile without it.
#include "shim.h"
#include <librdkafka/rdkafka_mock.h>

#endif
