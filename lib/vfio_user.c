/* Names of vfio-user commands and migration states (see vfio_user.h). */
#include "vfio_user.h"

const char *vfu_cmd_name(uint32_t cmd)
{
	static const char *const names[] = {
		[VFU_CMD_VERSION] = "VERSION",
		[VFU_CMD_DMA_MAP] = "DMA_MAP",
		[VFU_CMD_DMA_UNMAP] = "DMA_UNMAP",
		[VFU_CMD_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
		[VFU_CMD_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
		[VFU_CMD_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
		[VFU_CMD_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
		[VFU_CMD_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
		[VFU_CMD_REGION_READ] = "REGION_READ",
		[VFU_CMD_REGION_WRITE] = "REGION_WRITE",
		[VFU_CMD_DMA_READ] = "DMA_READ",
		[VFU_CMD_DMA_WRITE] = "DMA_WRITE",
		[VFU_CMD_DEVICE_RESET] = "DEVICE_RESET",
		[VFU_CMD_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
		[VFU_CMD_DEVICE_FEATURE] = "DEVICE_FEATURE",
		[VFU_CMD_MIG_DATA_READ] = "MIG_DATA_READ",
		[VFU_CMD_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
	};

	if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
		return names[cmd];
	return "unknown";
}

const char *vfu_state_name(uint32_t state)
{
	static const char *const names[VFU_STATE_COUNT] = {
		[VFU_STATE_ERROR] = "ERROR",
		[VFU_STATE_STOP] = "STOP",
		[VFU_STATE_RUNNING] = "RUNNING",
		[VFU_STATE_STOP_COPY] = "STOP_COPY",
		[VFU_STATE_RESUMING] = "RESUMING",
		[VFU_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFU_STATE_PRE_COPY] = "PRE_COPY",
		[VFU_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	return state < VFU_STATE_COUNT ? names[state] : "invalid";
}
