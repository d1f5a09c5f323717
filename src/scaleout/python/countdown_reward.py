"""The Countdown reward of Gandhi et al. (2025) / TinyZero, exactly as Primer scores it in the browser.

Written by Primer's exporter from src/tasks/reward.ts; the test suite checks both on every shipped case and on
thousands of generated completions. Only the completion's last line counts, and the last <answer>...</answer>
on it is the answer: 0 without one; the format score (0.1) for an answer that uses the wrong numbers, has other
characters, does not parse or misses the target; 1.0 within 1e-5 of the target.

    compute_score(data_source, solution_str, ground_truth, extra_info=None)   veRL custom_reward_function
    countdown_reward(prompts, completions, numbers, target, **kwargs)         TRL GRPOTrainer reward_funcs
    countdown_accuracy(prompts, completions, numbers, target, **kwargs)       the same check, 0 or 1
    python3 countdown_reward.py countdown_reward_cases.jsonl                  checks the shipped cases

Numbers are read and arithmetic is done the way JavaScript does it (IEEE doubles, no eval), so the Python and
the browser agree to the bit.
"""

import re

FORMAT_SCORE = 0.1
CORRECT_SCORE = 1.0
TOLERANCE = 1e-5

# JavaScript's \s (white space and line terminators): Python's own \s is a different set.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(map(chr, range(0x2000, 0x200B)))
# JavaScript's "." stops at these line terminators; Python's stops only at \n.
ANSWER = re.compile("<answer>([^\n\r\u2028\u2029]*?)</answer>")
ALLOWED = re.compile("[0-9+\\-*/()." + re.escape(JS_SPACE) + "]+")
DIGITS = re.compile("[0-9]+")
NUMBER = re.compile("[0-9]+\\.?[0-9]*|\\.[0-9]+")


def extract_answer(completion):
    """The stripped text of the last <answer> on the completion's last line, or None."""
    last_line = completion.split("\n")[-1]
    matches = ANSWER.findall(last_line)
    return matches[-1].strip(JS_SPACE) if matches else None


def expression_numbers(text):
    """Every run of digits as a number (so "1.5" gives 1 and 5), as the reward compares them."""
    return [float(digits) for digits in DIGITS.findall(text)]


def tokenize(text):
    tokens = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in JS_SPACE:
            i += 1
        elif c.isascii() and (c.isdigit() or c == "."):
            match = NUMBER.match(text, i)
            if match is None:
                raise ValueError(f"bad number at position {i}")
            tokens.append(("number", float(match.group(0))))
            i = match.end()
        elif c in "+-*/()":
            tokens.append((c, None))
            i += 1
        else:
            raise ValueError(f"unexpected character {c!r} at position {i}")
    return tokens


def apply_op(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "pos": 3}


def reduce_top(values, ops):
    op = ops.pop()
    if op == "neg":
        values.append(-values.pop())
    elif op != "pos":
        right = values.pop()
        values.append(apply_op(op, values.pop(), right))


def evaluate_expression(text):
    """Value of + - * / ( ) arithmetic with unary signs, left to right within a precedence level.

    A loop with two stacks rather than recursion, so deep parentheses cannot hit Python's recursion limit.
    Raises ValueError on bad syntax and ZeroDivisionError on division by zero.
    """
    tokens = tokenize(text)
    values, ops = [], []
    expect_operand = True
    for kind, value in tokens:
        if expect_operand:
            if kind == "number":
                values.append(value)
                expect_operand = False
            elif kind == "(":
                ops.append("(")
            elif kind in "+-":
                ops.append("neg" if kind == "-" else "pos")
            else:
                raise ValueError(f"expected a number or '(' but found {kind!r}")
        elif kind in "+-*/":
            while ops and ops[-1] != "(" and PRECEDENCE[ops[-1]] >= PRECEDENCE[kind]:
                reduce_top(values, ops)
            ops.append(kind)
            expect_operand = True
        elif kind == ")":
            while ops and ops[-1] != "(":
                reduce_top(values, ops)
            if not ops:
                raise ValueError("unmatched ')'")
            ops.pop()
        else:
            raise ValueError("two numbers in a row")
    if expect_operand:
        raise ValueError("expression ends early")
    while ops:
        if ops[-1] == "(":
            raise ValueError("unmatched '('")
        reduce_top(values, ops)
    return values[0]


def is_correct_answer(answer, numbers, target):
    """True when the answer uses exactly the given numbers, each once, and evaluates to the target."""
    if sorted(expression_numbers(answer)) != sorted(float(n) for n in numbers):
        return False
    if ALLOWED.fullmatch(answer) is None:
        return False
    try:
        value = evaluate_expression(answer)
    except (ValueError, ZeroDivisionError):
        return False
    return abs(value - target) < TOLERANCE


def score(completion, numbers, target, format_score=FORMAT_SCORE):
    """The paper's reward: 0, format_score or 1.0. Pass format_score=0 for accuracy."""
    answer = extract_answer(completion)
    if answer is None:
        return 0.0
    return CORRECT_SCORE if is_correct_answer(answer, numbers, target) else float(format_score)


def compute_score(data_source, solution_str, ground_truth, extra_info=None, format_score=FORMAT_SCORE):
    """veRL's custom reward function: ground_truth is {"target": int, "numbers": [int, ...]}.

    Returns the reward as "score" and the 0/1 accuracy as "acc", which veRL logs as val-core/<source>/acc.
    """
    numbers, target = list(ground_truth["numbers"]), ground_truth["target"]
    return {
        "score": score(solution_str, numbers, target, format_score),
        "acc": score(solution_str, numbers, target, 0.0),
    }


def completion_text(completion):
    """TRL passes plain strings, or message lists for conversational datasets."""
    if isinstance(completion, str):
        return completion
    return "".join(message["content"] for message in completion)


def countdown_reward(prompts, completions, numbers, target, format_score=FORMAT_SCORE, **kwargs):
    """TRL reward function: the dataset's numbers and target columns arrive as lists."""
    return [score(completion_text(c), n, t, format_score) for c, n, t in zip(completions, numbers, target)]


def countdown_accuracy(prompts, completions, numbers, target, **kwargs):
    """The same check with no format score (0 or 1), to log accuracy next to the reward."""
    return countdown_reward(prompts, completions, numbers, target, format_score=0.0)


def check_cases(path):
    """Scores every case of a JSONL file (completion, numbers, target, reward, accuracy); returns the mismatches."""
    import json

    wrong = []
    with open(path, encoding="utf-8") as cases:
        for line_number, line in enumerate(cases, 1):
            case = json.loads(line)
            got = (score(case["completion"], case["numbers"], case["target"]),
                   score(case["completion"], case["numbers"], case["target"], 0.0))
            if got != (case["reward"], case["accuracy"]):
                wrong.append((line_number, got, (case["reward"], case["accuracy"])))
    return wrong


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python3 countdown_reward.py countdown_reward_cases.jsonl")
    mismatches = check_cases(sys.argv[1])
    for line_number, got, expected in mismatches:
        print(f"case {line_number}: got {got}, expected {expected}")
    print(f"{len(mismatches)} mismatches")
    sys.exit(1 if mismatches else 0)
