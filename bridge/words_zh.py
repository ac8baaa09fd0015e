"""Mandarin words of every fixed prompt (spoken by espeak-ng's ``cmn`` voice). The keys are the
prompt ids of bridge/prompts.py WORDS; tests/bridge/test_prompts.py checks none is missing."""

from __future__ import annotations

from bridge import flow
from bridge.contract import SOUND_CALLEE_BUSY, SOUND_NO_ANSWER, SOUND_SORRY

WORDS_ZH: dict[str, str] = {
    flow.WELCOME: "欢迎使用 PhoneBridge。",
    flow.ASK_NAME: (
        "请在键盘上拼出您要找的人的名字，然后按井号键。中文名字请输入拼音，姓和名之间按零。"
    ),
    flow.ASK_NAME_SPEECH: "请在提示音后说出您要找的人的名字，或者在键盘上拼出名字，然后按井号键。",
    flow.NO_INPUT: "我没有听到。",
    flow.TOO_SHORT: "请至少输入三个字母。",
    flow.NOT_FOUND: "没有这个名字的人与您共享号码。",
    flow.SEVERAL: "有几个人符合。",
    flow.PRESS: "请按",
    flow.FOR: "选择",
    flow.MORE: "更多名字请按九。",
    flow.WHICH_NUMBER: "拨打哪个号码？",
    flow.CALLING: "正在呼叫",
    flow.STAR_TO_CANCEL: "按星号键取消。",
    flow.CANCELLED: "已取消。",
    flow.DID_YOU_SAY: "您说的是",
    flow.PRESS_1_IF_YES: "是的话请按一。",
    flow.NOT_CAUGHT: "对不起，我没有听清名字。",
    flow.UNAVAILABLE: "对不起，现在无法联系到这个人。",
    flow.GOODBYE: "再见。",
    flow.REGISTERED: "您的号码已在 PhoneBridge 注册。",
    flow.YOUR_CODE_IS: "您的验证码是",
    flow.FINISH_ONLINE: "请在网上使用这个验证码设置您的名字和密码。",
    flow.UNKNOWN_CALLER: "对不起，PhoneBridge 需要您的来电显示才能为您服务。",
    flow.TRY_LATER: "请求太多。请稍后再试。",
    SOUND_SORRY: "对不起，PhoneBridge 现在无法接听您的电话。请稍后再试。",
    SOUND_CALLEE_BUSY: "对方正在通话中。请稍后再试。",
    SOUND_NO_ANSWER: "对方没有接听。请稍后再试。",
}
