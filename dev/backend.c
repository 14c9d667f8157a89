/* Device names to backends (see backend.h). */
#include "backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/vfu_client.h"
#include "pci.h"
#include "stdvga.h"

static int open_sim(const char *opts, struct hw **out, struct err *e)
{
	struct stdvga_config cfg = {0};
	char *end;
	unsigned long mb;

	if (*opts) {
		if (strncmp(opts, ":vram=", 6))
			return err_set(e, -EINVAL,
				       "device 'sim%s': the only option is "
				       "':vram=MB'",
				       opts);
		errno = 0;
		mb = strtoul(opts + 6, &end, 10);
		if (errno || *end || !opts[6] || mb < 1 || mb > 512)
			return err_set(
				e, -EINVAL,
				"device 'sim%s': VRAM must be 1..512 MiB",
				opts);
		cfg.vram_mb = (uint32_t)mb;
	}
	return stdvga_create(&cfg, out, e);
}

int backend_open(const char *spec, struct hw **out, struct err *e)
{
	if (!strncmp(spec, "sim", 3) && (spec[3] == 0 || spec[3] == ':'))
		return open_sim(spec + 3, out, e);
	if (!strncmp(spec, "unix:", 5) && spec[5])
		return vfu_client_open(spec + 5, out, e);
	if (!strncmp(spec, "pci:", 4))
		return pci_open(spec + 4, out, e);
	return err_set(e, -EINVAL,
		       "unknown device '%s' (this build knows 'sim', "
		       "'sim:vram=MB', 'unix:PATH' and 'pci:DDDD:BB:DD.F')",
		       spec);
}
