// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel, module mxrt_max30102_sim. The kernel side of the MAX30102 simulator: a virtual
 * I2C adapter whose only device (0x57) is the register model in kernel/max30102/sim/sim_core.cpp, and
 * an interrupt controller of its own whose one line is the chip's INT pin, so the driver gets an
 * ordinary client->irq and cannot tell the simulator from a chip.
 *
 * Binding: a device-tree node "mxrt,max30102-sim" (arm64; dts/mxrt-max30102-qemu-virt.dtso) makes
 * a platform device; its child nodes become I2C clients the normal OF way and its interrupt
 * specifiers resolve through our irq domain. Without such a node (x86_64) the module makes its own
 * platform device and instantiates the client "max30102" at 0x57 with a software node carrying the
 * same properties (module parameters below), unless client=N: then user space makes the client
 * (echo max30102 0x57 > .../i2c-N/new_device), with no properties and no interrupt.
 *
 * A GPIO controller of one output line, the chip's enable: a device tree names it (enable-gpios =
 * <&sim 0 FLAGS>); the client we instantiate gets it from a lookup table, as from a board file.
 * With power_gpio=Y the line is the chip's supply (mxrt_sim_set_power): off until a driver drives
 * it high, so a driver that talks to the chip before raising its enable line finds nobody there.
 *
 * Time: a hard hrtimer brings the model up to date when something is due (a sample that raises an
 * interrupt, the end of a temperature conversion, a storm tick); every transfer does too. The
 * timer is armed in one place, under the model's lock, from the state just computed: a transfer
 * and the timer's callback on two CPUs cannot leave a deadline of an older state armed (the
 * callback used to re-arm itself after the lock was dropped, which could put back the deadline of
 * a temperature conversion over a transfer's sooner almost-full one: the interrupt came late).
 *
 * Interrupts are delivered in hard IRQ context only (the timer, or the irq_work "kick"). A
 * transfer or a control write that finds one due only asks (mxrt_sim_irq_due) and queues the
 * kick, whose poll consumes the edge and delivers it: a poll in the transfer consumed a latched
 * edge that the kick's poll then no longer saw, so an edge-triggered requester lost it.
 *
 * The interrupt controller senses the INT pin (low-active, open drain) as the requester asks: a
 * level (handle_level_irq masks the line while a threaded handler runs; unmasking re-checks the
 * level) or an edge (handle_edge_irq; the core latches an edge only on a transition of the pin,
 * and keeps it while masked). The core decides what the line does; this file delivers it.
 *
 * The adapter has a bus recovery (bus_recovery_info, i2c_recover_bus()), which is what ends a
 * transfer that the hang fault keeps on a stuck bus (or the adapter's timeout does, as on a real
 * controller).
 *
 * Control and inspection (debugfs, mxrt_max30102_sim/<adapter>/): "state" shows registers, signal,
 * faults, the last replay upload's outcome and counters; "control" takes key=value words (see
 * docs/max30102.md, "The simulator"); "replay" takes a recorded CSV or "off" (back to the
 * physiological model). A replay upload is checked line by line as it is written: a bad line fails
 * that write(). What can only be judged at the end (no header, fewer than 2 rows) fails the last
 * close() (->flush), and the recording replaces the signal only then; the outcome of every upload
 * is in "state" and the kernel log. "replay" is made with debugfs_create_file_unsafe(): the full
 * proxy of debugfs_create_file() forwards no ->flush (6.12 passes on release, llseek, read, write,
 * poll and unlocked_ioctl only), so a rejected upload could not fail close().
 *
 * Removal: debugfs_remove_recursive() waits for handlers running under debugfs_file_get() (the
 * full proxy's, and replay's own), but not for open files, whose ->release comes whenever they
 * are closed. The platform device therefore goes only at module exit (suppress_bind_attrs: no
 * sysfs unbind), and an open debugfs file holds a reference on this module (.owner, taken by the
 * debugfs open proxies): struct sim_dev and its model outlive every open file, which is what
 * replay_release relies on. The files are created last in probe, so a failed probe has none open.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/machine.h>
#include <linux/hrtimer.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <lib/platform/compat.h>
#include <lib/platform/param.h>
#include <max30102/regs.h>
#include <max30102/sim/sim.h>

/* the bools take exactly 0, 1, n, y, N or Y, or nothing (on): kernel/lib/platform/param.h */
static const struct kernel_param_ops sim_bool_ops = MXRT_PARAM_STRICT_BOOL_OPS;
static bool instantiate = true;
module_param_cb(instantiate, &sim_bool_ops, &instantiate, 0444);
MODULE_PARM_DESC(instantiate, "Without a device-tree node: create the adapter and a max30102 client at 0x57 (default Y)");
static bool client = true;
module_param_cb(client, &sim_bool_ops, &client, 0444);
MODULE_PARM_DESC(client, "Without a device-tree node: also create the max30102 client at 0x57; N = the adapter only, "
		 "for a client made from user space (new_device), as on a board whose device tree has no node for it (default Y)");
static bool client_irq = true;
module_param_cb(client_irq, &sim_bool_ops, &client_irq, 0444);
MODULE_PARM_DESC(client_irq, "Instantiated client gets the INT line as its IRQ; N = no IRQ, the driver polls (default Y)");
static bool power_gpio;
module_param_cb(power_gpio, &sim_bool_ops, &power_gpio, 0444);
MODULE_PARM_DESC(power_gpio, "The chip's supply follows the simulator's GPIO line 0 (a driver's enable line): off until a driver "
		 "drives it high, as behind a load switch; N = the line drives nothing and the chip is always powered (default N)");
static unsigned int sample_rate_hz = 100;
static const struct kernel_param_ops sim_uint_ops = MXRT_PARAM_STRICT_UINT_OPS; /* decimal only */
module_param_cb(sample_rate_hz, &sim_uint_ops, &sample_rate_hz, 0444);
MODULE_PARM_DESC(sample_rate_hz, "Instantiated client: mxrt,sample-rate-hz property, with the widest pulse SpO2 mode allows at it (50..1600; default 100)");
#define SIM_MAX_CHIPS 4
static unsigned int chips = 1;
module_param_cb(chips, &sim_uint_ops, &chips, 0444);
MODULE_PARM_DESC(chips, "Without a device-tree node: how many chips to create, each on its own adapter with its own INT line "
		 "(1..4; default 1)");

static_assert(MXRT_EOPNOTSUPP == EOPNOTSUPP && MXRT_EFBIG == EFBIG);
/* The trigger bits cross the seam unchanged. */
static_assert(MXRT_SIM_TRIGGER_EDGE_RISING == IRQ_TYPE_EDGE_RISING &&
	      MXRT_SIM_TRIGGER_EDGE_FALLING == IRQ_TYPE_EDGE_FALLING &&
	      MXRT_SIM_TRIGGER_EDGE_BOTH == IRQ_TYPE_EDGE_BOTH &&
	      MXRT_SIM_TRIGGER_LEVEL_HIGH == IRQ_TYPE_LEVEL_HIGH &&
	      MXRT_SIM_TRIGGER_LEVEL_LOW == IRQ_TYPE_LEVEL_LOW);

#define SIM_REPLAY_BUSY 0 /* bit in sim_dev.flags: a replay upload is open */

struct sim_dev {
	struct platform_device *pdev;
	struct i2c_adapter adap;
	raw_spinlock_t lock; /* the model; taken in hard IRQ context by the timer */
	struct mxrt_sim *sim;
	struct hrtimer timer;
	struct irq_work kick; /* delivers an interrupt found due outside hard IRQ context */
	bool timer_off;       /* under lock: set at removal, the timer is no longer armed */
	struct irq_domain *domain;
	struct fwnode_handle *own_fwnode; /* x86: the domain's name, no firmware node */
	/*
	 * The controller's mask register: written by irq_mask/unmask (under the irq descriptor's
	 * lock, not ours), read by the pollers. WRITE_ONCE/READ_ONCE: a poll that races a mask
	 * change may deliver once more or once less; unmask queues a poll that looks again.
	 */
	bool masked;
	unsigned long flags; /* SIM_REPLAY_BUSY */
	/*
	 * A stuck bus (the hang fault): a hung transfer waits on recover_wq until recover_gen moves
	 * on from the value it saw (a bus recovery: recover_bus), the adapter's timeout passes, or
	 * the simulator goes away (dying). Both words are written under sd->lock (WRITE_ONCE) and
	 * read by the waiter's condition with READ_ONCE.
	 */
	wait_queue_head_t recover_wq;
	u32 recover_gen;
	bool dying;
	struct i2c_bus_recovery_info recovery;
	struct i2c_client *client; /* instantiated by us (no device tree) */
	/*
	 * One output line, the chip's enable (its supply when power_gpio is set): a device tree
	 * names it with enable-gpios = <&sim 0 FLAGS>; without one, a lookup table gives it to the
	 * client we instantiate, as a board file would. line_high: written under lock.
	 */
	struct gpio_chip gc;
	bool gc_added, line_high;
	struct gpiod_lookup_table *gpio_lookup;
	struct dentry *dbg;
	/* the messages of the transfer in progress: serialised by the adapter's bus lock */
	struct mxrt_sim_msg msgs[I2C_RDWR_IOCTL_MAX_MSGS];
};

/* One open replay file: its upload, parsed as it is written. */
struct sim_upload_file {
	struct sim_dev *sd;
	struct mutex lock; /* write and flush of this file (threads may share it) */
	struct mxrt_sim_upload *up;
	bool finished, logged;
	char chunk[1024]; /* bounce buffer for copy_from_user */
};

static struct dentry *sim_dbg_root;
/* the model's lock, named for lockdep (tests/vm/guest/60-debug-kernel.sh) */
static struct lock_class_key sim_chip_lock_key;
static struct platform_device *sim_own_pdev[SIM_MAX_CHIPS]; /* chips=N: made without a device tree */

/*
 * Called with sd->lock held, after the model was brought up to @now: arms the timer for the
 * model's next event. The only place that arms it, so the deadline armed last is always that of
 * the newest state (hrtimer_start() from the timer's own callback is allowed; the callback then
 * returns HRTIMER_NORESTART). A deadline left from an older state when nothing is due any more
 * costs one step that finds nothing.
 */
static void sim_arm_locked(struct sim_dev *sd, u64 now)
{
	u64 next = mxrt_sim_next_event(sd->sim, now, READ_ONCE(sd->masked));

	lockdep_assert_held(&sd->lock);
	if (next != MXRT_SIM_NEVER && !sd->timer_off)
		hrtimer_start(&sd->timer, ns_to_ktime(next), HRTIMER_MODE_ABS_HARD);
}

/*
 * Called with sd->lock held outside hard IRQ context (a transfer, a control write): brings the
 * model up to now and re-arms the timer; true if an interrupt is due, for the kick to deliver.
 */
static bool sim_update_locked(struct sim_dev *sd)
{
	u64 now = ktime_get_ns();

	mxrt_sim_advance(sd->sim, now);
	sim_arm_locked(sd, now);
	return mxrt_sim_irq_due(sd->sim, READ_ONCE(sd->masked));
}

/* Hard IRQ context (timer or irq_work): deliver the interrupt to whoever requested it. */
static void sim_raise(struct sim_dev *sd)
{
	generic_handle_domain_irq(sd->domain, 0);
}

/*
 * Hard IRQ context: brings the chip model up to now, re-arms the timer, and delivers the
 * interrupt if the poll says so (the poll consumes a latched edge: it is delivered right here).
 */
static void sim_step(struct sim_dev *sd)
{
	unsigned long flags;
	u64 now = ktime_get_ns();
	bool raise;

	raw_spin_lock_irqsave(&sd->lock, flags);
	mxrt_sim_advance(sd->sim, now);
	raise = mxrt_sim_irq_poll(sd->sim, now, READ_ONCE(sd->masked)) == MXRT_SIM_IRQ_RAISE;
	sim_arm_locked(sd, now);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	if (raise)
		sim_raise(sd);
}

static enum hrtimer_restart sim_timer_fn(struct hrtimer *t)
{
	sim_step(container_of(t, struct sim_dev, timer));
	return HRTIMER_NORESTART; /* sim_arm_locked() armed it again if something is due */
}

static void sim_kick_fn(struct irq_work *w)
{
	sim_step(container_of(w, struct sim_dev, kick));
}

/* ---- the interrupt controller ---------------------------------------------------------------- */

static void sim_irq_mask(struct irq_data *d)
{
	struct sim_dev *sd = irq_data_get_irq_chip_data(d);

	WRITE_ONCE(sd->masked, true);
}

static void sim_irq_unmask(struct irq_data *d)
{
	struct sim_dev *sd = irq_data_get_irq_chip_data(d);

	WRITE_ONCE(sd->masked, false);
	irq_work_queue(&sd->kick); /* a level still asserted, or an edge latched meanwhile, fires */
}

/* handle_edge_irq acks every edge it handles; the core consumed it when it was delivered. */
static void sim_irq_ack(struct irq_data *d)
{
}

/* Called with the descriptor locked: the sense goes to the core, the flow handler follows it. */
static int sim_irq_set_type(struct irq_data *d, unsigned int type)
{
	struct sim_dev *sd = irq_data_get_irq_chip_data(d);
	unsigned long flags;
	int err;

	raw_spin_lock_irqsave(&sd->lock, flags);
	err = mxrt_sim_irq_set_trigger(sd->sim, type & IRQ_TYPE_SENSE_MASK);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	if (err)
		return err;
	irq_set_handler_locked(d, type & IRQ_TYPE_EDGE_BOTH ? handle_edge_irq : handle_level_irq);
	return IRQ_SET_MASK_OK;
}

/*
 * Like a real interrupt controller's routing register: the line's interrupt is then effective on
 * the first online CPU of the mask, so the kernel moves the IRQ thread there (the simulator's own
 * timer still raises the hard IRQ wherever it fires).
 */
static int sim_irq_set_affinity(struct irq_data *d, const struct cpumask *mask, bool force)
{
	unsigned int cpu = cpumask_first_and(mask, cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	irq_data_update_effective_affinity(d, cpumask_of(cpu));
	return IRQ_SET_MASK_OK;
}

static struct irq_chip sim_irq_chip = {
	.irq_set_affinity = sim_irq_set_affinity,
	.name = "mxrt-max30102-sim",
	.irq_ack = sim_irq_ack,
	.irq_mask = sim_irq_mask,
	.irq_unmask = sim_irq_unmask,
	.irq_set_type = sim_irq_set_type,
	.flags = IRQCHIP_SKIP_SET_WAKE,
};

static struct lock_class_key sim_irq_lock_class, sim_irq_request_class;

static int sim_irq_map(struct irq_domain *d, unsigned int virq, irq_hw_number_t hw)
{
	irq_set_chip_data(virq, d->host_data);
	irq_set_lockdep_class(virq, &sim_irq_lock_class, &sim_irq_request_class);
	irq_set_chip_and_handler(virq, &sim_irq_chip, handle_level_irq);
	irq_set_noprobe(virq);
	/* routing is a register write here: affinity changes apply at once, not at the next IRQ */
	irq_set_status_flags(virq, IRQ_MOVE_PCNTXT);
	return 0;
}

/*
 * Two cells (line, trigger), as the generic translation, and only the one line the chip has: the
 * generic one took any number, and the domain then warned (irq_domain_associate) for a device
 * tree that said <1 8>; and it warns itself for a specifier of another number of cells (a node
 * that says #interrupt-cells = <1>).
 */
static int sim_irq_xlate(struct irq_domain *d, struct device_node *node, const u32 *intspec,
			 unsigned int intsize, irq_hw_number_t *out_hwirq, unsigned int *out_type)
{
	if (intsize != 2) {
		/* irq_domain_xlate_twocell would WARN on it */
		pr_err("mxrt_max30102_sim: %pOF: an interrupt of %u cells, but the simulator's have 2: <0 TYPE>\n",
		       node, intsize);
		return -EINVAL;
	}
	if (intspec[0] != 0) {
		pr_err("mxrt_max30102_sim: %pOF: interrupt line %u, but the chip has one INT pin: <0 TYPE>\n",
		       node, intspec[0]);
		return -EINVAL;
	}
	return irq_domain_xlate_twocell(d, node, intspec, intsize, out_hwirq, out_type);
}

static const struct irq_domain_ops sim_irq_ops = {
	.map = sim_irq_map,
	.xlate = sim_irq_xlate,
};

/* ---- the GPIO line ---------------------------------------------------------------------------- */

static const char *const sim_gpio_names[] = { "max30102-enable" };

static int sim_gpio_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	return GPIO_LINE_DIRECTION_OUT; /* an output only: no direction_input */
}

static int sim_gpio_get(struct gpio_chip *gc, unsigned int offset)
{
	struct sim_dev *sd = gpiochip_get_data(gc);

	return READ_ONCE(sd->line_high);
}

/* Any context (can_sleep is false): the model's raw spinlock, as a transfer takes it. */
static void sim_gpio_set(struct gpio_chip *gc, unsigned int offset, int value)
{
	struct sim_dev *sd = gpiochip_get_data(gc);
	unsigned long flags;
	bool raise;
	u64 now;

	raw_spin_lock_irqsave(&sd->lock, flags);
	now = ktime_get_ns();
	mxrt_sim_advance(sd->sim, now); /* what the chip sampled before the line moved */
	WRITE_ONCE(sd->line_high, value != 0);
	if (power_gpio)
		mxrt_sim_set_power(sd->sim, value != 0, now);
	raise = sim_update_locked(sd); /* a power-up's PWR_RDY pulls INT low */
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	if (raise)
		irq_work_queue(&sd->kick);
}

static int sim_gpio_direction_output(struct gpio_chip *gc, unsigned int offset, int value)
{
	sim_gpio_set(gc, offset, value);
	return 0;
}

static int sim_gpio_register(struct sim_dev *sd)
{
	struct gpio_chip *gc = &sd->gc;
	int err;

	gc->label = dev_name(&sd->pdev->dev);
	/*
	 * Neither a parent nor an owner: gpiolib pins the parent's driver's module (else the owner)
	 * while a line is requested, and the simulator must go away under a bound driver as an
	 * unplugged adapter does (20-max30102's removal under a blocked reader: rmmod said EAGAIN).
	 * sim_teardown unbinds every client before the chip is removed, so no line of ours is
	 * requested then. The platform device's device-tree node, if any, is the controller's.
	 */
	gc->fwnode = dev_fwnode(&sd->pdev->dev);
	gc->base = -1;
	gc->ngpio = 1;
	gc->names = sim_gpio_names;
	gc->can_sleep = false;
	gc->get_direction = sim_gpio_get_direction;
	gc->get = sim_gpio_get;
	gc->set = sim_gpio_set;
	gc->direction_output = sim_gpio_direction_output;
	err = gpiochip_add_data(gc, sd);
	sd->gc_added = !err;
	return err;
}

/*
 * The instantiated client's enable line, as a board file gives it: by the client's device name
 * (bus-address), for the con_id "enable" a driver asks for. Made before the client, removed after.
 */
static int sim_gpio_lookup_add(struct sim_dev *sd)
{
	struct device *dev = &sd->pdev->dev;
	struct gpiod_lookup_table *t = devm_kzalloc(dev, struct_size(t, table, 2), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	t->dev_id = devm_kasprintf(dev, GFP_KERNEL, "%d-%04x", sd->adap.nr, MAX30102_I2C_ADDR);
	if (!t->dev_id)
		return -ENOMEM;
	t->table[0] = (struct gpiod_lookup)GPIO_LOOKUP(sd->gc.label, 0, "enable", GPIO_ACTIVE_HIGH);
	gpiod_add_lookup_table(t);
	sd->gpio_lookup = t;
	return 0;
}

/* ---- the I2C adapter ------------------------------------------------------------------------- */

/* What each message asks of the bus, for the core (see struct mxrt_sim_msg). */
static u16 sim_msg_flags(u16 f)
{
	const u16 plain = I2C_M_RD | I2C_M_TEN | I2C_M_RECV_LEN | I2C_M_STOP | I2C_M_DMA_SAFE;

	return (f & I2C_M_RD ? MXRT_SIM_MSG_READ : 0) | (f & I2C_M_TEN ? MXRT_SIM_MSG_TEN : 0) |
	       (f & I2C_M_RECV_LEN ? MXRT_SIM_MSG_RECV_LEN : 0) |
	       (f & ~plain ? MXRT_SIM_MSG_MANGLE : 0); /* NOSTART, IGNORE_NAK, ..., or unknown */
}

/*
 * A hung transfer (the hang fault): the bus lock stays held, as on a stuck bus, until a bus
 * recovery that comes after @gen, the adapter's timeout (adap->timeout, 1 s unless set with
 * i2c-dev's I2C_TIMEOUT, as for any controller), or the simulator's removal. What the transfer
 * returns is the core's.
 */
static int sim_hang(struct sim_dev *sd, u32 gen)
{
	unsigned long flags;
	long left;
	int rc;

	left = wait_event_timeout(sd->recover_wq,
				  READ_ONCE(sd->recover_gen) != gen || READ_ONCE(sd->dying),
				  sd->adap.timeout);
	raw_spin_lock_irqsave(&sd->lock, flags);
	rc = mxrt_sim_hang_ended(sd->sim, left > 0);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	return rc;
}

/*
 * The adapter's bus recovery (struct i2c_bus_recovery_info, run by i2c_recover_bus()): frees a
 * stuck bus. It takes only the model's lock, never the adapter's bus lock, which a hung transfer
 * holds: any thread can call it while a transfer hangs.
 */
static int sim_recover_bus(struct i2c_adapter *adap)
{
	struct sim_dev *sd = i2c_get_adapdata(adap);
	unsigned long flags;
	int err;

	raw_spin_lock_irqsave(&sd->lock, flags);
	err = mxrt_sim_bus_recovery(sd->sim);
	if (!err)
		WRITE_ONCE(sd->recover_gen, sd->recover_gen + 1);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	if (!err)
		wake_up_all(&sd->recover_wq);
	dev_info(&adap->dev, "bus recovery: %d\n", err);
	return err;
}

/*
 * Sleeps @ns: a transfer's wire time, a late adapter's delay (late_us), a timeout, the bus another
 * device holds. fsleep() took up to twice the time from 10 us to 20 ms (usleep_range(us, 2 * us)) and
 * a jiffy or two more beyond (msleep): an injected late_us=20000 returned after 40 ms, a 1 s
 * timeout after 1.03 s. An hrtimer with no slack ends it when the datasheet's wire time and the
 * fault say, as a real adapter's completion would.
 */
static void sim_wait(u64 ns)
{
	ktime_t end;

	if (ns <= 10 * NSEC_PER_USEC) {
		udelay(DIV_ROUND_UP_ULL(ns, NSEC_PER_USEC));
		return;
	}
	end = ktime_add_ns(ktime_get(), ns);
	do
		__set_current_state(TASK_UNINTERRUPTIBLE);
	while (schedule_hrtimeout_range(&end, 0, HRTIMER_MODE_ABS)); /* woken early: sleep on */
}

static int sim_xfer(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
	struct sim_dev *sd = i2c_get_adapdata(adap);
	struct mxrt_sim_msg *m = sd->msgs;
	unsigned long flags;
	u64 bus_ns = 0, wait_ns;
	bool raise;
	u32 gen;
	int i, rc;

	lockdep_assert_held(&adap->bus_lock); /* the I2C core serialises transfers: sd->msgs */
	if (num > ARRAY_SIZE(sd->msgs))
		return -EOPNOTSUPP; /* more than i2c-dev's I2C_RDWR ever passes */
	for (i = 0; i < num; i++)
		m[i] = (struct mxrt_sim_msg){ .addr = msgs[i].addr,
					      .flags = sim_msg_flags(msgs[i].flags),
					      .len = msgs[i].len,
					      .buf = msgs[i].buf };
	raw_spin_lock_irqsave(&sd->lock, flags);
	wait_ns = mxrt_sim_bus_wait(sd->sim, m, num);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	if (wait_ns)
		sim_wait(wait_ns); /* another device has the bus */
	raw_spin_lock_irqsave(&sd->lock, flags);
	rc = mxrt_sim_xfer(sd->sim, m, num, ktime_get_ns(), &bus_ns);
	gen = sd->recover_gen; /* a hang waits for a recovery after this point */
	raise = sim_update_locked(sd);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	if (raise)
		irq_work_queue(&sd->kick);
	if (bus_ns == MXRT_SIM_BUS_HANG)
		return sim_hang(sd, gen);
	if (bus_ns)
		sim_wait(bus_ns); /* the wire time, or a timeout */
	return rc;
}

/*
 * Plain 7-bit I2C with up to MXRT_SIM_MAX_MSGS messages of up to MXRT_SIM_MAX_MSG_LEN bytes and
 * repeated starts, and the SMBus transfers the
 * I2C core emulates over it, including I2C block reads and writes (I2C_FUNC_SMBUS_I2C_BLOCK, part
 * of _EMUL), which the mainline IIO driver reads the FIFO with. Not: 10-bit addresses, SMBus
 * block reads with the length in the first byte, protocol mangling (refused with EOPNOTSUPP).
 */
static u32 sim_functionality(struct i2c_adapter *adap)
{
	return I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL;
}

static const struct i2c_algorithm sim_algo = {
	.master_xfer = sim_xfer,
	.functionality = sim_functionality,
};

/* ---- debugfs --------------------------------------------------------------------------------- */

static ssize_t state_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct sim_dev *sd = file_inode(f)->i_private;
	unsigned long flags;
	ssize_t ret;
	size_t n;
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	raw_spin_lock_irqsave(&sd->lock, flags);
	mxrt_sim_advance(sd->sim, ktime_get_ns());
	n = mxrt_sim_show(sd->sim, buf, PAGE_SIZE);
	n += scnprintf(buf + n, PAGE_SIZE - n, "gpio: enable_line=%s supply_follows_line=%s\n",
		       sd->line_high ? "high" : "low", power_gpio ? "Y" : "N");
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, n);
	kfree(buf);
	return ret;
}

static const struct file_operations state_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = state_read,
	.llseek = default_llseek,
};

static ssize_t control_write(struct file *f, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct sim_dev *sd = file_inode(f)->i_private;
	unsigned long flags;
	bool raise;
	char *buf;
	int rc;

	if (count > PAGE_SIZE)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	raw_spin_lock_irqsave(&sd->lock, flags);
	mxrt_sim_advance(sd->sim, ktime_get_ns());
	rc = mxrt_sim_control(sd->sim, buf, count, ktime_get_ns());
	raise = sim_update_locked(sd);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	kfree(buf);
	if (raise)
		irq_work_queue(&sd->kick);
	if (rc)
		return rc;
	/* rate-limited: a test writing in a loop flooded the serial console ("irq 4: nobody cared") */
	dev_info_ratelimited(&sd->pdev->dev, "control: %zu bytes applied\n", count);
	return count;
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = control_write,
};

static int replay_open(struct inode *inode, struct file *f)
{
	struct sim_dev *sd = inode->i_private;
	struct sim_upload_file *uf;

	if (!(f->f_mode & FMODE_WRITE) || (f->f_mode & FMODE_READ))
		return -EINVAL;
	/* One upload at a time (each may hold 8 MiB). Acquire: pairs with the release in
	 * replay_release, so the next upload starts after the previous one is torn down. */
	if (test_and_set_bit_lock(SIM_REPLAY_BUSY, &sd->flags))
		return -EBUSY;
	uf = kzalloc(sizeof(*uf), GFP_KERNEL);
	if (uf)
		uf->up = mxrt_sim_upload_create();
	if (!uf || !uf->up) {
		kfree(uf);
		clear_bit_unlock(SIM_REPLAY_BUSY, &sd->flags);
		return -ENOMEM;
	}
	uf->sd = sd;
	mutex_init(&uf->lock);
	f->private_data = uf;
	return nonseekable_open(inode, f);
}

static void replay_log_rejected(struct sim_upload_file *uf, int err)
{
	const char *why;
	u32 line = mxrt_sim_upload_error(uf->up, &why);

	if (uf->logged)
		return;
	uf->logged = true;
	if (line)
		dev_warn(&uf->sd->pdev->dev, "replay upload rejected at line %u: %s (%d)\n", line, why, err);
	else
		dev_warn(&uf->sd->pdev->dev, "replay upload rejected: %s (%d)\n", why, err);
}

/*
 * Each line is checked as it arrives: a bad one fails this write, and every later one.
 * Sleepable. The file is not proxied (debugfs_create_file_unsafe): debugfs_file_get() keeps a
 * removal from passing this handler, as the full proxy does for the other files (none comes while
 * the file is open: see "Removal" at the top; -EIO if one ever did).
 */
static ssize_t replay_write(struct file *f, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct sim_upload_file *uf = f->private_data;
	size_t done = 0;
	int err;

	err = debugfs_file_get(f->f_path.dentry);
	if (err)
		return err;
	mutex_lock(&uf->lock);
	while (done < count) {
		size_t n = min(count - done, sizeof(uf->chunk));

		if (uf->finished) {
			err = -EINVAL; /* the upload ended at a close of a shared descriptor */
			break;
		}
		if (copy_from_user(uf->chunk, ubuf + done, n)) {
			err = -EFAULT; /* what was copied before is consumed and counted in done */
			break;
		}
		err = mxrt_sim_upload_feed(uf->up, uf->chunk, n);
		if (err) {
			replay_log_rejected(uf, err);
			break;
		}
		done += n;
	}
	mutex_unlock(&uf->lock);
	debugfs_file_put(f->f_path.dentry);
	if (err && !(err == -EFAULT && done))
		return err;
	return done;
}

/* The end of the upload: the recording (or "off") takes effect, or the outcome says why not. */
static int replay_finish_locked(struct sim_upload_file *uf)
{
	struct sim_dev *sd = uf->sd;
	struct mxrt_sim_replay *r = NULL, *old;
	unsigned long flags;
	int err;

	lockdep_assert_held(&uf->lock);
	uf->finished = true;
	err = mxrt_sim_upload_finish(uf->up, &r);
	raw_spin_lock_irqsave(&sd->lock, flags);
	mxrt_sim_advance(sd->sim, ktime_get_ns());
	old = mxrt_sim_upload_apply(sd->sim, uf->up, err, r, ktime_get_ns());
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	mxrt_sim_replay_free(old);
	if (err)
		replay_log_rejected(uf, err);
	else
		dev_info(&sd->pdev->dev, "signal source: %s\n", r ? "replay" : "model");
	return err;
}

/*
 * close(): the last descriptor's close ends the upload and returns its outcome to the caller
 * (EINVAL: no header, fewer than 2 rows, an "off" look-alike; or the write's error again).
 * Sleepable; under debugfs_file_get() like replay_write.
 */
static int replay_flush(struct file *f, fl_owner_t id)
{
	struct sim_upload_file *uf = f->private_data;
	int err;

	if (file_count(f) > 1)
		return 0; /* another descriptor (a dup, a fork) may still write */
	err = debugfs_file_get(f->f_path.dentry);
	if (err)
		return err;
	mutex_lock(&uf->lock);
	if (!uf->finished)
		err = replay_finish_locked(uf);
	mutex_unlock(&uf->lock);
	debugfs_file_put(f->f_path.dentry);
	return err;
}

/*
 * The last reference is gone (after a flush, or without one: a descriptor passed on and dropped).
 * Not under debugfs_file_get(), which fails once the file was removed: sd is still there because
 * it goes only at module exit, which this open file holds off (see "Removal" at the top).
 */
static int replay_release(struct inode *inode, struct file *f)
{
	struct sim_upload_file *uf = f->private_data;
	struct sim_dev *sd = uf->sd;

	mutex_lock(&uf->lock);
	if (!uf->finished) /* no flush saw the last reference: the outcome is in state and the log */
		replay_finish_locked(uf);
	mutex_unlock(&uf->lock);
	mxrt_sim_upload_destroy(uf->up);
	mutex_destroy(&uf->lock);
	kfree(uf);
	clear_bit_unlock(SIM_REPLAY_BUSY, &sd->flags); /* release: pairs with replay_open */
	return 0;
}

static const struct file_operations replay_fops = {
	.owner = THIS_MODULE, /* an open file pins the module, and so sd: see "Removal" at the top */
	.open = replay_open,
	.write = replay_write,
	.flush = replay_flush,
	.release = replay_release,
};

/* ---- the platform device --------------------------------------------------------------------- */

/* The instantiated client's properties: what a device tree would say (see dts/). */
static struct property_entry sim_client_props[] = {
	PROPERTY_ENTRY_U32("maxim,red-led-current-microamp", 6400),
	PROPERTY_ENTRY_U32("maxim,ir-led-current-microamp", 6400),
	PROPERTY_ENTRY_U32("mxrt,sample-rate-hz", 100), /* set from the module parameter */
	PROPERTY_ENTRY_U32("mxrt,pulse-width-us", 411), /* the widest that rate allows */
	{}
};
static const struct software_node sim_client_swnode = { .properties = sim_client_props };

/*
 * The widest pulse (the most ADC bits) SpO2 mode allows at @hz (datasheet table 11), which a
 * driver starts in; 0 for a rate only HR mode has (3200 Hz).
 */
static u32 sim_client_pulse_width(u32 hz)
{
	return hz <= 400 ? 411 : hz <= 800 ? 215 : hz <= 1000 ? 118 : hz <= 1600 ? 69 : 0;
}

static int sim_instantiate_client(struct sim_dev *sd)
{
	struct i2c_board_info info = { I2C_BOARD_INFO("max30102", MAX30102_I2C_ADDR) };
	int irq = 0;

	sim_client_props[2] = PROPERTY_ENTRY_U32("mxrt,sample-rate-hz", sample_rate_hz);
	sim_client_props[3] = PROPERTY_ENTRY_U32("mxrt,pulse-width-us", sim_client_pulse_width(sample_rate_hz));
	if (client_irq) {
		irq = irq_create_mapping(sd->domain, 0);
		if (!irq)
			return -EINVAL;
		irq_set_irq_type(irq, IRQ_TYPE_LEVEL_LOW);
	}
	info.irq = irq;
	info.swnode = &sim_client_swnode; /* added and removed with the client by the I2C core */
	sd->client = i2c_new_client_device(&sd->adap, &info);
	if (IS_ERR(sd->client)) {
		int err = PTR_ERR(sd->client);

		sd->client = NULL;
		return err;
	}
	return 0;
}

static void sim_teardown(struct sim_dev *sd)
{
	unsigned long flags;

	/* a hung transfer ends now: nothing below waits for the adapter's timeout */
	raw_spin_lock_irqsave(&sd->lock, flags);
	WRITE_ONCE(sd->dying, true);
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	wake_up_all(&sd->recover_wq);
	debugfs_remove_recursive(sd->dbg);
	if (sd->client) {
		/*
		 * Unbind the client's driver first. i2c_unregister_device() drops the client's
		 * software node (sim_client_swnode) before device_unregister() unbinds the driver,
		 * so a driver whose own devices share that node would touch it after it was freed:
		 * the mainline IIO driver's IIO device takes its parent's fwnode (KASAN on the debug
		 * kernel: slab-use-after-free in software_node_notify_remove, 6.12).
		 */
		device_release_driver(&sd->client->dev);
		i2c_unregister_device(sd->client);
	}
	if (sd->adap.algo)
		i2c_del_adapter(&sd->adap); /* unbinds the clients (and their IRQ users) first */
	if (sd->gpio_lookup)
		gpiod_remove_lookup_table(sd->gpio_lookup);
	if (sd->gc_added)
		gpiochip_remove(&sd->gc); /* no client is left to hold the line */
	raw_spin_lock_irqsave(&sd->lock, flags);
	sd->timer_off = true; /* a kick still pending below must not arm it again */
	raw_spin_unlock_irqrestore(&sd->lock, flags);
	hrtimer_cancel(&sd->timer);
	irq_work_sync(&sd->kick);
	if (sd->domain) {
		irq_dispose_mapping(irq_find_mapping(sd->domain, 0));
		irq_domain_remove(sd->domain);
	}
	if (sd->own_fwnode)
		irq_domain_free_fwnode(sd->own_fwnode);
	mxrt_sim_destroy(sd->sim);
}

static int sim_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct fwnode_handle *fwnode = dev_fwnode(dev);
	struct sim_dev *sd;
	char name[16];
	int err;

	sd = devm_kzalloc(dev, sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	sd->pdev = pdev;
	raw_spin_lock_init(&sd->lock);
	lockdep_set_class_and_name(&sd->lock, &sim_chip_lock_key, "mxrt_max30102_sim:chip_lock");
	init_waitqueue_head(&sd->recover_wq);
	hrtimer_init(&sd->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	sd->timer.function = sim_timer_fn;
	sd->kick = IRQ_WORK_INIT_HARD(sim_kick_fn);
	sd->sim = mxrt_sim_create(ktime_get_ns());
	if (!sd->sim)
		return -ENOMEM;

	if (!fwnode) {
		sd->own_fwnode = irq_domain_alloc_named_fwnode(dev_name(dev)); /* one per chip */
		if (!sd->own_fwnode) {
			err = -ENOMEM;
			goto fail;
		}
		fwnode = sd->own_fwnode;
	}
	sd->domain = irq_domain_create_linear(fwnode, 1, &sim_irq_ops, sd);
	if (!sd->domain) {
		err = -ENOMEM;
		goto fail;
	}

	/* before the adapter: a device-tree client probes as the adapter registers */
	if (power_gpio)
		mxrt_sim_set_power(sd->sim, 0, ktime_get_ns()); /* off until a driver raises the line */
	err = sim_gpio_register(sd);
	if (err)
		goto fail;

	sd->adap.owner = THIS_MODULE;
	sd->adap.algo = &sim_algo;
	sd->recovery.recover_bus = sim_recover_bus;
	sd->adap.bus_recovery_info = &sd->recovery;
	sd->adap.dev.parent = dev;
	device_set_node(&sd->adap.dev, dev_fwnode(dev)); /* DT children become clients */
	strscpy(sd->adap.name, "mxrt-max30102-sim", sizeof(sd->adap.name));
	i2c_set_adapdata(&sd->adap, sd);
	err = i2c_add_adapter(&sd->adap);
	if (err) {
		sd->adap.algo = NULL;
		goto fail;
	}
	platform_set_drvdata(pdev, sd);

	if (!dev_fwnode(dev) && instantiate && client) {
		err = sim_gpio_lookup_add(sd);
		err = err ?: sim_instantiate_client(sd);
		if (err)
			goto fail;
	}
	/* last: nothing below fails, so no file is open when a failed probe frees sd (devm) */
	snprintf(name, sizeof(name), "i2c-%d", sd->adap.nr);
	sd->dbg = debugfs_create_dir(name, sim_dbg_root);
	debugfs_create_file("state", 0444, sd->dbg, sd, &state_fops);
	debugfs_create_file("control", 0200, sd->dbg, sd, &control_fops);
	/* unproxied: the full proxy would drop ->flush, and close() could not fail */
	debugfs_create_file_unsafe("replay", 0200, sd->dbg, sd, &replay_fops);
	dev_info(dev, "MAX30102 simulator on %s (i2c-%d), INT on irq domain %s\n", sd->adap.name,
		 sd->adap.nr, sd->own_fwnode ? dev_name(dev) : "from the device tree");
	return 0;
fail:
	sim_teardown(sd);
	return dev_err_probe(dev, err, "simulator set-up failed\n");
}

static void sim_remove(struct platform_device *pdev)
{
	sim_teardown(platform_get_drvdata(pdev));
}
MXRT_PLATFORM_REMOVE_DEFINE(sim_remove)

static const struct of_device_id sim_of_match[] = {
	{ .compatible = "mxrt,max30102-sim" },
	{}
};
MODULE_DEVICE_TABLE(of, sim_of_match);

static struct platform_driver sim_driver = {
	.driver = {
		.name = "mxrt-max30102-sim",
		.of_match_table = sim_of_match,
		/*
		 * The device goes only at module exit: an open debugfs file (replay's release
		 * uses sd) pins the module, but a sysfs unbind would free sd under it.
		 */
		.suppress_bind_attrs = true,
	},
	.probe = sim_probe,
	.remove = MXRT_PLATFORM_REMOVE(sim_remove),
};

static int bound_count(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static void sim_own_devices_remove(void)
{
	int i;

	for (i = SIM_MAX_CHIPS - 1; i >= 0; i--) {
		if (sim_own_pdev[i])
			platform_device_unregister(sim_own_pdev[i]);
		sim_own_pdev[i] = NULL;
	}
}

static int __init sim_init(void)
{
	int err, bound = 0;
	unsigned int i;

	/* said here, not as the driver's probe failing later in another module's log */
	if (!mxrt_sim_sample_rate_known(sample_rate_hz)) {
		pr_err("mxrt_max30102_sim: sample_rate_hz=%u is none of the chip's rates (50, 100, 200, 400, 800, 1000, 1600, 3200)\n",
		       sample_rate_hz);
		return -EINVAL;
	}
	if (!sim_client_pulse_width(sample_rate_hz)) {
		pr_err("mxrt_max30102_sim: sample_rate_hz=%u is HR mode's alone, and a driver starts in SpO2 mode (at most 1600 Hz); set it through the driver once bound\n",
		       sample_rate_hz);
		return -EINVAL;
	}
	if (chips < 1 || chips > SIM_MAX_CHIPS) {
		pr_err("mxrt_max30102_sim: chips=%u: 1..%d chips\n", chips, SIM_MAX_CHIPS);
		return -EINVAL;
	}
	sim_dbg_root = debugfs_create_dir("mxrt_max30102_sim", NULL);
	err = platform_driver_register(&sim_driver);
	if (err)
		goto fail;
	/* Device-tree nodes were probed synchronously above; without one, make our own device. */
	err = driver_for_each_device(&sim_driver.driver, NULL, &bound, bound_count);
	/* the first is mxrt-max30102-sim (as it always was), the others mxrt-max30102-sim.1, .2, .3 */
	for (i = 0; !err && bound == 0 && instantiate && i < chips; i++) {
		struct platform_device *pdev = platform_device_register_simple("mxrt-max30102-sim", i ? (int)i : -1,
									      NULL, 0);

		if (IS_ERR(pdev)) {
			err = PTR_ERR(pdev);
			break;
		}
		sim_own_pdev[i] = pdev;
		if (!platform_get_drvdata(pdev))
			err = -ENODEV; /* the probe failed and said why */
	}
	if (err) {
		sim_own_devices_remove();
		platform_driver_unregister(&sim_driver);
		goto fail;
	}
	return 0;
fail:
	debugfs_remove_recursive(sim_dbg_root);
	return err;
}

static void __exit sim_exit(void)
{
	sim_own_devices_remove();
	platform_driver_unregister(&sim_driver);
	debugfs_remove_recursive(sim_dbg_root);
}

module_init(sim_init);
module_exit(sim_exit);
MODULE_DESCRIPTION("MAX30102 simulator: a virtual I2C adapter and interrupt line with a register-accurate chip model");
MODULE_LICENSE("GPL");
