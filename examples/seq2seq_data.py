"""The pairs examples/seq2seq.py translates, generated offline: dates written in 14 human
formats with their ISO form, and integers written as digits with their English words. Each
writer takes an item (a day after 1950-01-01, or an integer) and a NumPy Generator (for the
format) and returns (source text, target text)."""
import datetime

import numpy as np

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def ordinal(n):
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st, 22nd, ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# each format writes the date d, given m, its month's name, and w, its weekday's name
DATE_FORMATS = [
    lambda d, m, w: f"{d.day} {m} {d.year}",
    lambda d, m, w: f"{m} {d.day}, {d.year}",
    lambda d, m, w: f"{w}, {m} {d.day}, {d.year}",
    lambda d, m, w: f"{w[:3]}, {d.day} {m[:3]} {d.year % 100:02d}",
    lambda d, m, w: f"{m[:3]} {d.day} {d.year}",
    lambda d, m, w: f"{d.day:02d}-{m[:3]}-{d.year}",
    lambda d, m, w: f"{d.month:02d}/{d.day:02d}/{d.year}",
    lambda d, m, w: f"{d.month}/{d.day}/{d.year % 100:02d}",
    lambda d, m, w: f"{d.day}.{d.month}.{d.year}",
    lambda d, m, w: f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}",
    lambda d, m, w: f"the {ordinal(d.day)} of {m.lower()} {d.year}",
    lambda d, m, w: f"{m.upper()} {ordinal(d.day).upper()}, {d.year}",
    lambda d, m, w: f"{d.year}/{d.month}/{d.day}",
    lambda d, m, w: f"{d.day} {m.lower()[:3]} '{d.year % 100:02d}",
]
FIRST_DAY = datetime.date(1950, 1, 1)
N_DAYS = (datetime.date(2049, 12, 31) - FIRST_DAY).days + 1


def human_date(day, rng):
    """The date `day` (days after 1950-01-01) in a random format, and its ISO form."""
    d = FIRST_DAY + datetime.timedelta(days=int(day))
    text = DATE_FORMATS[rng.integers(len(DATE_FORMATS))](d, MONTHS[d.month - 1],
                                                         DAYS[d.weekday()])
    return text, d.isoformat()


ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words_below_1000(n):
    """English words of 1 <= n < 1000 as a list ("three hundred and forty two")."""
    hundreds, rest = divmod(n, 100)
    out = [ONES[hundreds], "hundred"] if hundreds else []
    if rest and hundreds:
        out.append("and")
    if rest >= 20:
        out += [TENS[rest // 10]] + ([ONES[rest % 10]] if rest % 10 else [])
    elif rest:
        out.append(ONES[rest])
    return out


def number_words(n):
    """English words of 0 <= n < 10^6 as a list of words."""
    if n == 0:
        return ["zero"]
    thousands, rest = divmod(n, 1000)
    return ((words_below_1000(thousands) + ["thousand"] if thousands else [])
            + words_below_1000(rest))


def human_number(n, rng):
    """n written as digits ("4321", "4,321" or "4 321"), and its English words."""
    sep = ["", ",", " "][rng.integers(3)]
    return f"{n:,}".replace(",", sep), " ".join(number_words(int(n)))


TASKS = {  # name: (how many items, writer, is the target split into words)
    "dates": (N_DAYS, human_date, False),
    "numbers": (10 ** 6, human_number, True),
}


def make_pairs(task, n_train, n_test, seed=0):
    """(train pairs, test pairs) of (source text, target text): the test items (days or
    numbers) are drawn first and never occur in training; each pair draws its format."""
    size, write, _ = TASKS[task]
    rng = np.random.default_rng(seed)
    items = rng.permutation(size)
    test = [write(i, rng) for i in items[:n_test]]
    train_items = rng.choice(items[n_test:], n_train)
    return [write(i, rng) for i in train_items], test
