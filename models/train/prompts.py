"""Task list and template prompt corpus (several phrasings per task, per modality)."""
import random

# index = position in task_logits
TASKS = [
    {"name": "low_light", "modality": "visible",
     "default_prompt": "this visible image was captured in low light, please brighten it and remove the noise"},
    {"name": "haze", "modality": "visible",
     "default_prompt": "this visible image is degraded by haze, please remove the haze"},
    {"name": "overexposure", "modality": "visible",
     "default_prompt": "this visible image is overexposed, please correct the exposure"},
    {"name": "low_contrast", "modality": "infrared",
     "default_prompt": "this infrared image has low contrast, please enhance the contrast"},
    {"name": "low_resolution", "modality": "infrared",
     "default_prompt": "this infrared image has low resolution, please super-resolve it"},
    {"name": "pseudo", "modality": "both",
     "default_prompt": "this image is clean and has no degradation, keep its content"},
]
TASK_NAMES = [t["name"] for t in TASKS]
TASK_ID = {n: i for i, n in enumerate(TASK_NAMES)}
PSEUDO_PROMPT = TASKS[TASK_ID["pseudo"]]["default_prompt"]
VIS_TASKS = ["low_light", "haze", "overexposure"]
IR_TASKS = ["low_contrast", "low_resolution"]

SUBJECTS = {
    "visible": ["this visible image", "the visible image", "this rgb image", "the color image",
                "this visible frame", "the camera frame", "this colour photo", "the visible light image"],
    "infrared": ["this infrared image", "the infrared image", "this thermal image", "the ir frame",
                 "this thermal frame", "the infrared picture", "this ir image", "the thermal camera frame"],
    "both": ["this image", "the image", "this frame", "the input", "this picture",
             "the visible image", "the infrared image"],
}
DESCRIPTIONS = {
    "low_light": ["was captured in low light", "is too dark", "was taken at night with poor illumination",
                  "is underexposed and noisy", "suffers from low light", "has very low brightness",
                  "is dim and dark", "was recorded in a dark scene"],
    "haze": ["is degraded by haze", "is hazy", "is covered by fog", "was taken in foggy weather",
             "suffers from haze and low visibility", "looks washed out by mist", "is blurred by smog and haze",
             "has haze"],
    "overexposure": ["is overexposed", "is too bright", "has blown out highlights", "suffers from overexposure",
                     "is saturated by strong light", "was captured with too much exposure", "is washed out by glare",
                     "has over exposure"],
    "low_contrast": ["has low contrast", "is flat with poor contrast", "suffers from low contrast",
                     "has a compressed dynamic range", "looks dull with weak thermal contrast", "is low contrast",
                     "has faint targets and little contrast", "has a narrow histogram"],
    "low_resolution": ["has low resolution", "is blurry and low resolution", "was captured at low resolution",
                       "lacks fine details", "is downsampled and blurred", "suffers from low resolution",
                       "is pixelated", "needs super resolution"],
    "pseudo": ["is clean and has no degradation", "has no degradation", "is of good quality",
               "is clear and well exposed", "needs no restoration", "is clean",
               "has normal quality without degradation", "is already clear"],
}
ACTIONS = {
    "low_light": ["", "please brighten it", "please enhance it", "please brighten it and remove the noise",
                  "enhance the illumination", "restore the details in the dark"],
    "haze": ["", "please remove the haze", "please dehaze it", "remove the fog", "restore the visibility",
             "make it clear"],
    "overexposure": ["", "please correct the exposure", "reduce the brightness", "recover the highlights",
                     "please fix the exposure", "restore the details in bright areas"],
    "low_contrast": ["", "please enhance the contrast", "increase the contrast", "stretch the contrast",
                     "make the targets salient", "improve the contrast"],
    "low_resolution": ["", "please super-resolve it", "increase the resolution", "recover the details",
                       "please upscale it", "sharpen the details"],
    "pseudo": ["", "keep its content", "no restoration is needed", "keep it as it is", "just fuse it",
               "preserve the content"],
}


def prompts_for(task):
    mod = TASKS[TASK_ID[task]]["modality"]
    out = []
    for s in SUBJECTS[mod]:
        for d in DESCRIPTIONS[task]:
            for a in ACTIONS[task]:
                out.append(f"{s} {d}" + (f", {a}" if a else ""))
    out.append(TASKS[TASK_ID[task]]["default_prompt"])
    return sorted(set(out))


def corpus():
    """List of (prompt, task_id) pairs over all tasks."""
    items = []
    for t in TASK_NAMES:
        items.extend((p, TASK_ID[t]) for p in prompts_for(t))
    return items


def split_corpus(seed=0):
    """Deterministic train/test split of the prompt corpus (10% test) for the text-classification metric."""
    items = corpus()
    rng = random.Random(seed)
    rng.shuffle(items)
    defaults = {t["default_prompt"] for t in TASKS}
    test = [it for i, it in enumerate(items) if i % 10 == 0 and it[0] not in defaults]
    test_set = set(test)
    train = [it for it in items if it not in test_set]
    return train, test
