/* sample.c: a small C file the elffile tests compile for other machines
 * (32-bit, big-endian; REL and RELA relocations) and link into a
 * versioned shared library, to check the reader against debug/elf. */

int counter = 1;
static int hidden_state;
__attribute__((weak)) int weak_value = 2;
extern int external_value;
const char greeting[] = "hello";

static int helper(int x)
{
	hidden_state += x;
	return hidden_state * counter;
}

int sample_add(int a, int b)
{
	return helper(a) + b + weak_value + external_value;
}

const char *sample_greeting(void)
{
	return greeting;
}

int (*sample_fn)(int, int) = sample_add;
