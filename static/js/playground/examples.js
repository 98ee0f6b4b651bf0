// The examples menu: the programs a lecture on backpropagation walks through.

export const EXAMPLES = [
  {
    id: "readme",
    title: "micrograd README program",
    source: `# The example from micrograd's README: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773
a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}')
`,
  },
  {
    id: "neuron",
    title: "A neuron: tanh(x1*w1 + x2*w2 + b)",
    source: `# The lecture's neuron: two inputs, two weights, a bias, tanh
# inputs
x1 = Value(2.0)
x2 = Value(0.0)
# weights
w1 = Value(-3.0)
w2 = Value(1.0)
# bias, chosen so that o comes out at 0.7071
b = Value(6.8813735870195432)
x1w1 = x1 * w1
x2w2 = x2 * w2
x1w1x2w2 = x1w1 + x2w2
n = x1w1x2w2 + b
o = n.tanh()
`,
  },
  {
    id: "neuron-exp",
    title: "The same neuron, tanh written with exp",
    source: `# tanh(n) = (e^2n - 1) / (e^2n + 1): more nodes, the same gradients
x1 = Value(2.0)
x2 = Value(0.0)
w1 = Value(-3.0)
w2 = Value(1.0)
b = Value(6.8813735870195432)
x1w1 = x1 * w1
x2w2 = x2 * w2
x1w1x2w2 = x1w1 + x2w2
n = x1w1x2w2 + b
e = (2 * n).exp()
o = (e - 1) / (e + 1)
`,
  },
  {
    id: "accumulate",
    title: "a + a: gradients accumulate",
    source: `# b uses a twice, so a receives two contributions: 1 + 1 = 2.
# Setting grad = instead of adding (grad +=) would give 1: the bug the lecture fixes.
a = Value(3.0)
b = a + a
`,
  },
  {
    id: "div-pow",
    title: "Division and powers",
    source: `# a / b is a * b**-1, so the power rule d(x^k)/dx = k*x^(k-1) does the work
a = Value(3.0)
b = Value(2.0)
c = a / b
d = c**2
e = d - b**0.5
`,
  },
  {
    id: "relu",
    title: "ReLU cutting a gradient",
    source: `# relu(x) passes x when x > 0 and 0 otherwise; its gradient is 1 or 0.
# z is negative, so relu(z) = 0 and no gradient flows back to w, x or b.
x = Value(1.5)
w = Value(-2.0)
b = Value(0.5)
z = w * x + b
h = z.relu()
y = h + x
`,
  },
];
