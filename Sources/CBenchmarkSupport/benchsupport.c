#include "benchsupport.h"
