import { birthDateOf, idNumberProblem, maskIdNumber } from '../../schemas/id-number';

describe('PRC resident ID numbers', () => {
  it.each(['11010519491231002X', '440524198001010013', '320508198803150010'])('accepts %s', (value) => {
    expect(idNumberProblem(value)).toBeNull();
  });

  it.each([
    ['a wrong check digit', '110105194912310021', 'check digit does not match'],
    ['a lower-case x', '11010519491231002x', 'must be 18 characters: 17 digits and a check digit (0-9 or X)'],
    ['17 characters', '11010519491231002', 'must be 18 characters: 17 digits and a check digit (0-9 or X)'],
    ['letters inside', '1101051949123100AX', 'must be 18 characters: 17 digits and a check digit (0-9 or X)'],
    ['30 February', '110105194902300012', 'the birth date it contains is not a real date'],
  ])('refuses %s', (_, value, problem) => {
    expect(idNumberProblem(value)).toBe(problem);
  });

  it('reads the birth date inside the number', () => {
    expect(birthDateOf('11010519491231002X')).toBe('1949-12-31');
  });

  it('masks all but the region prefix and the last four characters', () => {
    expect(maskIdNumber('320508198803150010')).toBe('3205**********0010');
  });
});

it('refuses a birth year before 1900 as not a real birth date', () => {
  expect(idNumberProblem('440524188001010014')).toBe('the birth date it contains is not a real date');
});
