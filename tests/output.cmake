# Killing real writes (tests/kill_writes.sh): split's pair and train's model, SIGKILLed at moments
# spread over whole runs, are always the old files or the complete new ones. Label cli.
add_test(NAME kill_writes
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/kill_writes.sh $<TARGET_FILE:tinytext>
                 ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection ${CMAKE_BINARY_DIR}/kill_writes)
set_tests_properties(kill_writes PROPERTIES LABELS cli TIMEOUT 300)
