// Pango laid out on cairo (pango-cairo(3)) and cairo's PDF surface (cairo-pdf(3)), for the PDF
// reports and sheets of Sources/Reports. Libraries and include paths come from pkg-config
// "pangocairo" (Debian's libpango1.0-dev, which brings libcairo2-dev).
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

/// PANGO_SCALE as a function (the macro is not imported into Swift): Pango units per point.
static inline int depot_pango_scale(void) { return PANGO_SCALE; }
